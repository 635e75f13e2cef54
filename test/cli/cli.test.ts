// The command line in-process: argument parsing, and which exit code each outcome maps to
// (0 verified, 1 verification failed, 2 bad input or usage), without a stack trace.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SealError } from '@sealpack/diagnostics';
import type { Verdict } from '@sealpack/verify';
import { processContext, reportError } from '../../packages/cli/src/main.js';
import { printVerdict } from '../../packages/cli/src/report.js';
import { cli } from '../helpers/cli.js';
import { cleanTempDirs, tempDir } from '../helpers/index.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';
import { makeConsumer, makeKey } from '../verify/sealed.js';

const test = suite('cli: arguments and exit codes');
test.after(cleanTempDirs);

const noStack = (text: string) => assert.not.match(text, /\n\s+at .+:\d+:\d+/);
const home = () => tempDir('sealpack-cli-');

test('--version and --help print and exit 0; no command prints the help', async () => {
  const cwd = await home();
  const version = await cli(['--version'], { cwd });
  assert.is(version.status, 0);
  assert.match(version.stdout, /^sealpack\/\d+\.\d+\.\d+/);
  for (const args of [['--help'], []]) {
    const help = await cli(args, { cwd });
    assert.is(help.status, 0, args.join(' '));
    assert.match(help.stdout, /verify-installed/);
    assert.match(help.stdout, /verify-lockfile/);
  }
  const commandHelp = await cli(['verify', '--help'], { cwd });
  assert.is(commandHelp.status, 0);
  assert.match(commandHelp.stdout, /--at <date>/);
  assert.is(commandHelp.stderr, '', 'help for a command does not run it');
});

test('runs in one process do not leak into each other: --version after a command prints the version', async () => {
  const cwd = await home();
  assert.is((await cli(['verify', 'x.tgz', '--json'], { cwd })).status, 2);
  const version = await cli(['--version'], { cwd });
  assert.is(version.status, 0, version.stdout + version.stderr);
  assert.match(version.stdout, /^sealpack\/\d+\.\d+\.\d+/);
});

test('usage errors exit 2 with a pointer to --help: unknown command, unknown option, missing value', async () => {
  const cwd = await home();
  const cases: [string[], RegExp][] = [
    [['frobnicate'], /unknown command: frobnicate/],
    [['verify', '--frobnicate', 'x.tgz'], /Unknown option `--frobnicate`/],
    [['verify', 'x.tgz', '--config'], /value is missing/],
  ];
  for (const [args, message] of cases) {
    const run = await cli(args, { cwd });
    assert.is(run.status, 2, args.join(' '));
    assert.match(run.stderr, message);
    assert.match(run.stderr, /^error ESEAL_CONFIG: /);
    assert.match(run.stderr, /hint: run `sealpack --help` \(or `sealpack COMMAND --help`\)/);
    assert.is(run.stdout, '', 'a usage error is not a report');
  }
});

test('bad input exits 2 with ESEAL_CONFIG and a hint: no tarball, --at in the future or malformed, --expires, a missing file', async () => {
  const cwd = await makeConsumer([await makeKey()]);
  const cases: [string[], RegExp][] = [
    [['verify'], /expected at least one tarball to verify, found none/],
    [['verify', '--at', '2999-01-01', 'x.tgz'], /--at: expected a moment in the past, found 2999-01-01/],
    [['verify', '--at', 'yesterday', 'x.tgz'], /--at: expected an ISO date/],
    [['keygen', '--name', 'k', '--expires', 'soon', '--out', cwd], /--expires: expected a duration/],
    [['sign', join(cwd, 'x.tgz')], /no signing key: expected /],
    [['verify', join(cwd, 'missing-1.0.0.tgz')], /missing-1\.0\.0\.tgz/],
    [['verify', 'x.tgz', '--config', 'nope.json'], /ESEAL_CONFIG/],
  ];
  for (const [args, message] of cases) {
    // A passphrase in the environment: keygen would refuse for want of one before reading --expires.
    const run = await cli(args, { cwd, env: { SEALPACK_PASSPHRASE: '' } });
    // The diagnostic of a failed run is its report: on stdout, like a verdict.
    assert.is(run.status, 2, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
    assert.match(run.stdout, /error ESEAL_(CONFIG|MALFORMED)/, args.join(' '));
    assert.match(run.stdout, message, args.join(' '));
    assert.match(run.stdout, /hint: /, args.join(' '));
    assert.not.match(run.stderr, /ESEAL_/, args.join(' '));
    noStack(run.stdout + run.stderr);
  }
});

test('a tarball without a seal fails verification: exit 1, ESEAL_UNSIGNED; --json prints one document', async () => {
  const cwd = await makeConsumer([await makeKey()], { trust: [{ packages: '@acme/*', keys: ['alice'] }] });
  const tarball = await makeTarball(join(cwd, 'acme-widget-1.0.0.tgz'), packageFiles('@acme/widget', '1.0.0'));
  const run = await cli(['verify', tarball], { cwd });
  assert.is(run.status, 1, run.stdout + run.stderr);
  // The report is on stdout; stderr is for progress and warnings, and this run has none.
  assert.match(run.stdout, /FAIL /);
  assert.match(run.stdout, /ESEAL_UNSIGNED/);
  assert.match(run.stdout, /sealpack verify: FAILED: 1 checked, 0 passed, 1 failed/);
  assert.is(run.stderr, '');
  const json = await cli(['verify', '--json', tarball], { cwd });
  assert.is(json.status, 1);
  assert.is((JSON.parse(json.stdout) as Verdict).ok, false);
  assert.is(json.stderr, '');
});

test('reportError: input codes exit 2, verification codes 1, system errors are ESEAL_CONFIG 2, bugs say so', () => {
  const lines: string[] = [];
  const errLines: string[] = [];
  const context = { out: (text: string) => void lines.push(text), err: (text: string) => void errLines.push(text) };
  assert.is(reportError(new SealError('ESEAL_CONFIG', 'bad policy'), context), 2);
  assert.is(reportError(new SealError('ESEAL_MALFORMED', 'not a tarball'), context), 2);
  assert.is(reportError(new SealError('ESEAL_INTEGRITY', 'a@1.0.0: changed'), context), 1);
  assert.is(reportError(new SealError('ESEAL_BAD_SIGNATURE', 'a@1.0.0: forged'), context), 1);
  const enoent = Object.assign(new Error("ENOENT: no such file or directory, open 'x'"), { code: 'ENOENT' });
  assert.is(reportError(enoent, context), 2);
  assert.is(reportError(new TypeError('x is undefined'), context), 2);
  assert.ok(lines.includes('error ESEAL_CONFIG: bad policy'));
  assert.ok(lines.includes("error ESEAL_CONFIG: ENOENT: no such file or directory, open 'x'"));
  assert.ok(lines.some((l) => l.startsWith('hint: ')));
  // A bug is not a report: its stack goes to stderr, readable when stdout is captured.
  assert.ok(errLines.some((l) => l.startsWith('sealpack: internal error: TypeError: x is undefined')));
  assert.ok(errLines.includes('This is a bug in sealpack: please report it with the command you ran.'));
  assert.not.ok(lines.some((l) => l.includes('internal error')));
  assert.not.ok(errLines.some((l) => l.includes('ESEAL_')));
  // With --json, stdout holds the one document; the human lines go to stderr beside it.
  lines.length = 0;
  errLines.length = 0;
  assert.is(reportError(new SealError('ESEAL_CONFIG', 'bad policy'), context, true), 2);
  assert.is(lines.length, 1);
  assert.is((JSON.parse(lines[0]!) as { error: { code: string } }).error.code, 'ESEAL_CONFIG');
  assert.ok(errLines.includes('error ESEAL_CONFIG: bad policy'));
});

test('printVerdict: 0 when the verdict is ok, 1 when not; one hint per code', () => {
  const out: string[] = [];
  const err: string[] = [];
  const context = { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) } as never;
  const verdict = (ok: boolean): Verdict =>
    ({
      ok,
      subjects: [],
      findings: ok
        ? []
        : [1, 2].map((n) => ({ severity: 'error', code: 'ESEAL_INTEGRITY', message: `a@1.0.0: file ${n} changed` })),
      summary: { checked: 1, passed: ok ? 1 : 0, failed: ok ? 0 : 1, warnings: 0 },
    }) as unknown as Verdict;
  assert.is(printVerdict(verdict(true), { title: 't' }, context), 0);
  assert.is(printVerdict(verdict(false), { title: 't' }, context), 1);
  assert.is(out.filter((l) => l.includes('hint:')).length, 1);
  assert.is(err.length, 0, 'the report is on stdout');
  assert.is(printVerdict(verdict(false), { title: 't', json: true }, context), 1);
  assert.is((JSON.parse(out.at(-1)!) as Verdict).ok, false);
});

test('the process: the report on stdout, progress and warnings on stderr, the progress line cleared before the report', () => {
  const writes: string[] = [];
  const { stdout, stderr } = process;
  const saved = { out: stdout.write, err: stderr.write, tty: stderr.isTTY };
  stdout.write = ((chunk: string) => (writes.push(`out ${chunk}`), true)) as typeof stdout.write;
  stderr.write = ((chunk: string) => (writes.push(`err ${chunk}`), true)) as typeof stderr.write;
  stderr.isTTY = true;
  try {
    const context = processContext();
    context.logger.progress!('hashing 3/10');
    context.out('ok   a@1.0.0');
    context.logger.warn('a key expires soon');
    context.logger.progress!('hashing 9/10');
    context.out('sealpack verify: verified');
  } finally {
    stdout.write = saved.out;
    stderr.write = saved.err;
    stderr.isTTY = saved.tty;
  }
  assert.equal(writes, [
    'err \r\x1b[Khashing 3/10',
    'err \r\x1b[K',
    'out ok   a@1.0.0\n',
    'err warning: a key expires soon\n',
    'err \r\x1b[Khashing 9/10',
    'err \r\x1b[K',
    'out sealpack verify: verified\n',
  ]);
});

test('guard: its refusal goes to stderr, which tools around npm (changeset publish) show', async () => {
  const cwd = await home();
  const env = { npm_package_name: 'w', npm_package_version: '1.0.0', npm_lifecycle_event: 'prepublishOnly' };
  const run = await cli(['guard'], { cwd, env });
  assert.is(run.status, 1);
  assert.match(run.stderr, /error ESEAL_UNSIGNED: w@1\.0\.0: refusing an unsealed publish/);
  assert.match(run.stderr, /hint: publish with `sealpack publish`/);
  assert.is(run.stdout, '');
});

test('audit report --html with --json or --markdown: stdout holds that document alone, the note goes to stderr', async () => {
  const cwd = await makeConsumer([await makeKey()], { ledger: '.sealpack/ledger' });
  const tarball = await makeTarball(join(cwd, 'w-1.0.0.tgz'), packageFiles('w', '1.0.0'));
  assert.is((await cli(['verify', tarball], { cwd })).status, 1, 'a run for the ledger');
  const json = await cli(['audit', 'report', '--json', '--html', join(cwd, 'r.html')], { cwd });
  assert.is(json.status, 0, json.stdout + json.stderr);
  assert.is((JSON.parse(json.stdout) as { tool: { name: string } }).tool.name, 'sealpack');
  assert.match(json.stderr, /sealpack audit report: wrote .*r\.html/);
  const markdown = await cli(['audit', 'report', '--markdown', '--html', join(cwd, 'r.html')], { cwd });
  assert.not.match(markdown.stdout, /wrote/);
  assert.match(markdown.stderr, /sealpack audit report: wrote .*r\.html/);
  const html = await cli(['audit', 'report', '--html', join(cwd, 'r.html')], { cwd });
  assert.match(html.stdout, /sealpack audit report: wrote .*r\.html/);
});

test('an unreadable --key file is a usage error naming it', async () => {
  const cwd = await home();
  await writeFile(join(cwd, 'x.tgz'), '');
  const run = await cli(['sign', '--key', 'absent.asc', 'x.tgz'], { cwd });
  assert.is(run.status, 2);
  assert.match(run.stdout, /--key: cannot read .*absent\.asc \(ENOENT\)/);
});

test.run();
