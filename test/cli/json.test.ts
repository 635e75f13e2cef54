// --json: every command, passing and failing, prints exactly one JSON document on stdout with the
// tool's name and version, `ok` and the exit code; exit 2 carries `error: {code, message, hint}`;
// every finding has its hint (DESIGN.md, "Exit codes").
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readSigningKey } from '@sealpack/openpgp';
import { TOOL } from '../../packages/cli/src/tool.js';
import { cli } from '../helpers/cli.js';
import { cleanTempDirs, tempDir, type RunResult } from '../helpers/index.js';
import { makeTarball, packageFiles } from '../helpers/tarball.js';
import { installPackage } from '../verify/sealed.js';

const test = suite('cli: --json is one document for every command and exit code');
test.after(cleanTempDirs);

/** Every object in the document that looks like a finding (a code and a severity). */
function findingsIn(value: unknown, found: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(value)) for (const v of value) findingsIn(v, found);
  else if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.code === 'string' && typeof record.severity === 'string') found.push(record);
    for (const v of Object.values(record)) findingsIn(v, found);
  }
  return found;
}

const seen = new Map<string, Set<number>>();
/** The run's stdout is exactly one JSON document of the common shape; returns it. */
function oneDocument(label: string, run: RunResult, expected?: number): Record<string, unknown> {
  if (expected !== undefined) assert.is(run.status, expected, `${label}: ${run.stdout}\n${run.stderr}`);
  let document: Record<string, unknown>;
  try {
    document = JSON.parse(run.stdout) as Record<string, unknown>;
  } catch {
    assert.unreachable(`${label}: stdout is not one JSON document:\n${run.stdout}`);
    throw new Error('unreachable');
  }
  assert.equal(document.tool, { name: 'sealpack', version: TOOL.version }, `${label}: tool`);
  assert.equal(Object.keys(document).slice(0, 3), ['tool', 'ok', 'exitCode'], `${label}: the envelope comes first`);
  assert.is(document.exitCode, run.status, `${label}: exitCode`);
  assert.is(document.ok, run.status === 0, `${label}: ok`);
  if (run.status === 2) {
    const error = document.error as Record<string, unknown> | undefined;
    assert.ok(error, `${label}: exit 2 has an error object: ${run.stdout}`);
    for (const field of ['code', 'message', 'hint']) assert.type(error[field], 'string', `${label}: error.${field}`);
    assert.match(String(error.code), /^ESEAL_/);
  }
  for (const finding of findingsIn(document)) assert.type(finding.hint, 'string', `${label}: ${String(finding.code)} has a hint`);
  const command = label.split(' ')[0]!;
  seen.set(command, (seen.get(command) ?? new Set()).add(run.status!));
  return document;
}

test('every command with --json, passing and failing', async () => {
  const home = await tempDir('sealpack-json-');
  const env = { SEALPACK_PASSPHRASE: '', SEALPACK_CACHE_DIR: join(home, '.cache') };
  const run = (args: string[], cwd = home, extra: NodeJS.ProcessEnv = {}) =>
    cli([...args, '--json'], { cwd, env: { ...env, ...extra } });
  const key = (name: string) => ['--key', join(home, 'keys', `${name}.key.asc`)];

  // keygen
  oneDocument('keygen alice', await run(['keygen', '--name', 'alice', '--email', 'alice@example.test', '--out', 'keys']), 0);
  oneDocument('keygen bob', await run(['keygen', '--name', 'bob', '--email', 'bob@example.test', '--out', 'keys']), 0);
  oneDocument('keygen bad name', await run(['keygen', '--name', 'bad name', '--out', 'keys']), 2);
  await mkdir(join(home, '.sealpack', 'keys'), { recursive: true });
  for (const name of ['alice', 'bob'])
    await copyFile(join(home, 'keys', `${name}.pub.asc`), join(home, '.sealpack', 'keys', `${name}.asc`));
  await writeFile(
    join(home, '.sealpackrc.json'),
    JSON.stringify({
      ledger: '.sealpack/ledger',
      trust: [{ packages: '**', keys: ['alice'], approvers: ['bob'], approvals: 0 }],
    }),
  );
  await writeFile(join(home, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  for (const name of ['w', 'u', 's', 'p']) await makeTarball(join(home, `${name}-1.0.0.tgz`), packageFiles(name, '1.0.0'));

  // sign, verify, seal, approve
  oneDocument('sign', await run(['sign', 'w-1.0.0.tgz', ...key('alice')]), 0);
  oneDocument('sign missing', await run(['sign', 'missing-1.0.0.tgz', ...key('alice')]), 2);
  oneDocument('sign no key', await run(['sign', 'w-1.0.0.tgz']), 2);
  oneDocument('verify', await run(['verify', 'w-1.0.0.tgz']), 0);
  oneDocument('verify unsealed', await run(['verify', 'u-1.0.0.tgz']), 1);
  const missing = oneDocument('verify missing', await run(['verify', 'missing-1.0.0.tgz']), 2);
  assert.match(String((missing.error as { message: string }).message), /missing-1\.0\.0\.tgz/);
  oneDocument('seal', await run(['seal', 's-1.0.0.tgz', ...key('alice')]), 0);
  oneDocument('seal missing', await run(['seal', 'missing-1.0.0.tgz', ...key('alice')]), 2);
  oneDocument('approve', await run(['approve', 'w-1.0.0.tgz', ...key('bob')]), 0);
  oneDocument('approve own release', await run(['approve', 'w-1.0.0.tgz', ...key('alice')]), 1);

  // publish (a sealed tarball, dry run: nothing leaves the machine), pack
  oneDocument('publish dry run', await run(['publish', 's-1.0.0.tgz', '--dry-run', ...key('alice')]), 0);
  oneDocument('publish missing', await run(['publish', 'missing-1.0.0.tgz', ...key('alice')]), 2);
  const pkg = join(home, 'pkg');
  await mkdir(pkg);
  await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: 'pkg', version: '1.0.0' }));
  await writeFile(join(pkg, 'index.js'), 'module.exports = 1;\n');
  oneDocument(
    'publish -r registry down',
    await run(['publish', '-r', pkg, '--registry', 'http://127.0.0.1:9/', ...key('alice')]),
  );
  oneDocument('pack', await run(['pack', pkg, '--out', join(home, 'out'), ...key('alice')]), 0);
  oneDocument('pack missing', await run(['pack', join(home, 'nothing'), ...key('alice')]), 2);

  // verify-installed, verify-lockfile
  const signer = await readSigningKey(await readFile(join(home, 'keys', 'alice.key.asc'), 'utf8'));
  oneDocument('verify-installed nothing installed', await run(['verify-installed']), 2);
  await installPackage(join(home, 'node_modules', 'w'), 'w', '1.0.0', { signer });
  oneDocument('verify-installed', await run(['verify-installed']), 0);
  await writeFile(join(home, '.npmrc'), 'registry=http://127.0.0.1:9/\nfetch-retries=0\n');
  await writeFile(
    join(home, 'package-lock.json'),
    JSON.stringify({
      name: 'consumer',
      lockfileVersion: 3,
      packages: {
        '': { name: 'consumer', dependencies: { w: '1.0.0' } },
        'node_modules/w': { version: '1.0.0', resolved: 'http://127.0.0.1:9/w/-/w-1.0.0.tgz', integrity: 'sha512-AAAA' },
      },
    }),
  );
  const down = oneDocument('verify-lockfile registry down', await run(['verify-lockfile']), 2);
  assert.is((down.error as { code: string }).code, 'ESEAL_REGISTRY');

  // keys, audit, doctor, guard, init
  oneDocument('keys list', await run(['keys', 'list']), 0);
  oneDocument('keys list bad config', await run(['keys', 'list', '--config', 'nope.json']), 2);
  oneDocument(
    'keys rotate',
    await run(['keys', 'rotate', '--from', 'keys/alice.key.asc', '--name', 'alice2', '--out', 'keys']),
    0,
  );
  oneDocument('keys rotate no old key', await run(['keys', 'rotate', '--name', 'x']), 2);
  oneDocument('keys update', await run(['keys', 'update', 'keys/alice2.pub.asc', 'keys/alice.revocation.asc']), 0);
  oneDocument('keys update missing', await run(['keys', 'update', 'keys/nothing.asc']), 2);
  oneDocument('keys resign', await run(['keys', 'resign', 'w-1.0.0.tgz', ...key('alice2')]), 0);
  oneDocument('keys resign missing', await run(['keys', 'resign', 'missing-1.0.0.tgz', ...key('alice2')]), 2);
  oneDocument('audit verify', await run(['audit', 'verify']), 0);
  oneDocument('audit report', await run(['audit', 'report']), 0);
  oneDocument('audit checkpoint', await run(['audit', 'checkpoint', ...key('alice2')]), 0);
  const elsewhere = await tempDir('sealpack-json-empty-');
  oneDocument('audit verify no ledger', await run(['audit', 'verify'], elsewhere), 2);
  const ledger = join(home, '.sealpack', 'ledger');
  const file = join(
    ledger,
    (await readdir(ledger)).find((f) => f.endsWith('.jsonl'))!,
  );
  const lines = (await readFile(file, 'utf8')).split('\n');
  await writeFile(file, [lines[1], lines[0], ...lines.slice(2)].join('\n'));
  oneDocument('audit verify tampered', await run(['audit', 'verify']), 1);
  oneDocument('audit report tampered', await run(['audit', 'report']), 1);
  oneDocument('doctor', await run(['doctor', pkg, '--offline', ...key('alice2')]));
  oneDocument('doctor no package', await run(['doctor', join(home, 'nothing'), '--offline']));
  const guard = oneDocument(
    'guard',
    await run(['guard'], home, { npm_package_name: 'w', npm_lifecycle_event: 'prepublishOnly' }),
    1,
  );
  assert.is((guard.error as { code: string }).code, 'ESEAL_UNSIGNED');
  oneDocument(
    'guard in sealpack',
    await run(['guard'], home, { npm_lifecycle_event: 'prepack', SEALPACK_PUBLISH: 'sealpack-pack-0123456789abcdef' }),
    0,
  );
  const fresh = await tempDir('sealpack-json-init-');
  await writeFile(join(fresh, 'package.json'), JSON.stringify({ name: 'f', version: '1.0.0', files: ['index.js'] }));
  oneDocument('init', await run(['init'], fresh), 0);
  const broken = await tempDir('sealpack-json-init-');
  await writeFile(join(broken, 'package.json'), JSON.stringify({ name: 'b', version: '1.0.0', scripts: 'no' }));
  oneDocument('init bad scripts', await run(['init'], broken), 2);

  // Usage errors: before any command runs.
  oneDocument('usage unknown option', await run(['verify', '--frobnicate', 'w-1.0.0.tgz']), 2);
  oneDocument('usage missing value', await run(['verify', 'w-1.0.0.tgz', '--config']), 2);
  oneDocument('usage unknown command', await run(['frobnicate']), 2);

  // Every command was seen passing and failing.
  for (const command of [
    'keygen',
    'sign',
    'verify',
    'seal',
    'approve',
    'publish',
    'pack',
    'verify-installed',
    'keys',
    'audit',
    'guard',
    'init',
  ]) {
    const codes = seen.get(command) ?? new Set();
    assert.ok(codes.has(0) && [...codes].some((c) => c !== 0), `${command}: ${[...codes].join(', ')}`);
  }
});

test.run();
