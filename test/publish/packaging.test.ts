// What each published package carries, and what the docs tell people to run: the CLI is the
// `sealpack` package, every package has a README, the LICENSE, `repository`, `engines` and
// types, `--version` comes from package.json, and no documented command downloads sealpack.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { cli } from '../helpers/cli.js';
import { ROOT } from '../helpers/index.js';
// @ts-expect-error -- a plain .mjs script, without types
import { cliReadme } from '../../scripts/cli-readme.mjs';

const test = suite('packaging and docs');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const folders = ['packages', 'plugins'].flatMap((dir) => readdirSync(join(ROOT, dir)).map((name) => `${dir}/${name}`));
const published = folders
  .map((dir) => ({ dir, json: JSON.parse(read(`${dir}/package.json`)) as Record<string, unknown> }))
  .filter(({ json }) => json.private !== true);

test('the CLI is the npm package `sealpack` (bin sealpack); libraries are @sealpack/*', () => {
  const cli = published.find((p) => p.dir === 'packages/cli')!;
  assert.is(cli.json.name, 'sealpack');
  assert.equal(cli.json.bin, { sealpack: './dist/sealpack.js' });
  for (const { dir, json } of published) if (dir !== 'packages/cli') assert.match(String(json.name), /^@sealpack\//);
  assert.is((JSON.parse(read('package.json')).devDependencies as Record<string, string>).sealpack, 'workspace:*');
});

test('every published package: README, the LICENSE, repository with its folder, engines, types that exist (if it has an API)', () => {
  const license = read('LICENSE');
  for (const { dir, json } of published) {
    assert.ok(existsSync(join(ROOT, dir, 'README.md')), `${dir}/README.md`);
    assert.is(read(`${dir}/LICENSE`), license, `${dir}/LICENSE is the repository's`);
    assert.is(json.license, 'MIT', dir);
    const repository = json.repository as { type: string; url: string; directory: string };
    assert.equal(repository, { type: 'git', url: 'git+https://github.com/sealpack/sealpack.git', directory: dir });
    assert.match(String((json.engines as { node?: string }).node), /^>=20\.19/, dir);
    // A package with a JavaScript API ships its types; a bin-only adapter (plugins/gpg) has none.
    // (Checked against the source it is built from: unit tests run before the build.)
    if (json.main || json.exports) {
      const source = String(json.types).replace(/^\.\/dist\/(.*)\.d\.ts$/, 'src/$1.ts');
      assert.ok(existsSync(join(ROOT, dir, source)), `${dir}: ${String(json.types)} is built from ${source}`);
    }
  }
});

test("the CLI's README is the top of the repository's README, links made absolute", () => {
  assert.is(read('packages/cli/README.md'), cliReadme(read('README.md')), 'run `node scripts/cli-readme.mjs`');
});

test('--version is the version in package.json', async () => {
  const result = await cli(['--version'], { cwd: ROOT });
  assert.is(result.status, 0);
  assert.ok(result.stdout.startsWith(`sealpack/${JSON.parse(read('packages/cli/package.json')).version} `), result.stdout);
});

test('no documented command downloads sealpack: npx only with --no-install', () => {
  const docs: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (['node_modules', 'dist', '.git'].includes(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(md|ya?ml)$/.test(entry.name)) docs.push(path);
    }
  };
  walk(ROOT);
  const offenders = docs.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => /\bnpx\s+(--yes\s+|-y\s+)?sealpack|\bnpx\s+(?:\S+\s+)*?sealpack@|pnpm dlx sealpack/.test(line))
      .map((line) => `${relative(ROOT, file)}: ${line.trim()}`),
  );
  assert.equal(offenders, []);
});

test.run();
