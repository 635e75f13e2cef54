// A reader that stops early (`sealpack verify X.tgz | head -2`) closes stdout under the CLI: the
// run ends quietly with the exit code its verdict has, never an EPIPE stack trace.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CLI, cleanTempDirs, tempDir } from '../helpers/index.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';

const test = suite('e2e: stdout closed by its reader');
test.after(cleanTempDirs);

/** Runs the built CLI with stdout's reading end closed at once; resolves with its exit code and stderr. */
function withClosedStdout(args: string[], cwd: string): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    // Closed before the CLI has started: every write it makes to stdout fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

test('verify, verify --json, --version and --help to a closed stdout: the verdict exit code, no stack trace', async () => {
  const cwd = await tempDir('sealpack-epipe-');
  const tarballs = await Promise.all(
    [1, 2, 3, 4, 5, 6, 7, 8].map((n) => makeTarball(join(cwd, `p${n}-1.0.0.tgz`), packageFiles(`p${n}`, '1.0.0'))),
  );
  const cases: [string[], number][] = [
    [['verify', ...tarballs], 1],
    [['verify', '--json', ...tarballs], 1],
    [['verify', join(cwd, 'missing-1.0.0.tgz')], 2],
    [['--version'], 0],
    [['--help'], 0],
  ];
  for (const [args, status] of cases) {
    const label = args.filter((a) => !a.startsWith('/')).join(' ');
    const run = await withClosedStdout(args, cwd);
    assert.is(run.status, status, `${label}: ${run.stderr}`);
    assert.not.match(run.stderr, /EPIPE|Unhandled|\n\s+at .+:\d+:\d+/, `${label}: ${run.stderr}`);
  }
});

test.run();
