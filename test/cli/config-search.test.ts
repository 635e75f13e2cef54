// Where the config search starts: never inside node_modules. Run from inside an installed
// package, sealpack must not load (and so run) that package's .sealpackrc.cjs nor take its
// keyring: trust never comes from an installed package (DESIGN.md, "Policy").
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanTempDirs } from '../helpers/index.js';
import { cli } from '../helpers/cli.js';
import { installPackage, makeConsumer, makeKey, type TestKey } from '../verify/sealed.js';

const test = suite('cli: the config search never starts inside node_modules');
let alice: TestKey;
test.before(async () => {
  alice = await makeKey('alice');
});
test.after(cleanTempDirs);

/** A project whose policy requires `tiny` sealed by alice, and an unsealed `tiny` whose own config would allow it and leaves a marker when it runs. */
async function project() {
  const root = await makeConsumer([alice], { trust: [{ packages: ['tiny'], keys: ['alice'] }] });
  const tiny = join(root, 'node_modules', 'tiny');
  const marker = join(root, 'tiny-config-ran');
  const config = `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\nmodule.exports = { trust: [], unsigned: 'allow' };\n`;
  await installPackage(tiny, 'tiny', '1.0.0', { files: { '.sealpackrc.cjs': config } });
  return { root, tiny, marker };
}

const codesOf = (stdout: string) => (JSON.parse(stdout) as { findings: { code: string }[] }).findings.map((f) => f.code);

test("verify-installed run from inside an installed package judges the tree with the project's trust; its .sealpackrc.cjs never runs (it ran and allowed it)", async () => {
  const { root, tiny, marker } = await project();
  const result = await cli(['verify-installed', root, '--json'], { cwd: tiny });
  assert.is(existsSync(marker), false, "the installed package's config ran");
  assert.is(result.status, 1, result.stdout + result.stderr);
  assert.equal(codesOf(result.stdout), ['ESEAL_UNSIGNED']);
  assert.match(result.stderr, /inside node_modules: the sealpack config is searched from /);
  assert.ok(result.stderr.includes(root), result.stderr);

  // From deeper inside (a nested node_modules), the same: the outermost one's folder.
  const nested = join(tiny, 'node_modules', 'inner');
  await installPackage(nested, 'inner', '1.0.0', { files: { '.sealpackrc.json': '{"unsigned":"allow","trust":[]}' } });
  const deep = await cli(['verify-installed', root, '--json'], { cwd: nested });
  assert.is(deep.status, 1, deep.stdout + deep.stderr);
  // tiny's (required: an error) and inner's (no rule covers it: a warning, as unsigned is "warn" by default).
  assert.equal(codesOf(deep.stdout), ['ESEAL_UNSIGNED', 'ESEAL_UNSIGNED']);
  assert.is(existsSync(marker), false);
});

test("an explicit --config is the user's choice and is still read from there", async () => {
  const { root, tiny, marker } = await project();
  await writeFile(join(tiny, 'own.json'), JSON.stringify({ trust: [], unsigned: 'allow' }));
  const result = await cli(['verify-installed', root, '--json', '--config', 'own.json'], { cwd: tiny });
  assert.is(result.status, 0, result.stdout + result.stderr);
  assert.not.match(result.stderr, /inside node_modules/);
  assert.is(existsSync(marker), false);
});

test.run();
