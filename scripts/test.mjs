// Runs every uvu test under test/ in one process (TypeScript through tsx) and ends
// with a plain "N passed, N failed" line. Optional argument: a pattern for file names.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const uvuBin = join(root, 'node_modules', 'uvu', 'bin.js');
const pattern = process.argv[2] ?? '\\.test\\.ts$';

// NO_COLOR alone: with FORCE_COLOR set too, Node warns in every child process.
const withoutForceColor = ({ FORCE_COLOR: _ignored, ...env }) => env;

const child = spawn(process.execPath, ['--import', 'tsx', uvuBin, 'test', pattern], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...withoutForceColor(process.env), NO_COLOR: '1' },
});
let out = '';
child.stdout.on('data', (chunk) => {
  out += chunk;
  process.stdout.write(chunk);
});
child.on('close', (code) => {
  const count = (label) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(out)?.[1] ?? 0);
  const total = count('Total');
  const passed = count('Passed');
  const skipped = count('Skipped');
  const failed = Math.max(total - passed - skipped, code === 0 ? 0 : 1);
  process.stdout.write(`\nsealpack tests (node ${process.version}): ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  process.exit(code === 0 && failed === 0 && total > 0 ? 0 : 1);
});
