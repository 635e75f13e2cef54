import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as publish from '@sealpack/publish';
import { addGuard, hasGuard } from '@sealpack/publish';
import { orderByDependencies } from '../../packages/publish/src/workspace.js';
import { cleanTempDirs, tempDir } from '../helpers/index.js';

const test = suite('workspace order and the guard');
test.after(cleanTempDirs);

const pkg = (name: string, ...deps: string[]) => ({ name, workspaceDependencies: deps });

test('dependencies first, then by name; the same order every time', () => {
  const order = orderByDependencies([pkg('app', 'ui', 'core'), pkg('core'), pkg('ui', 'core'), pkg('zed')]).map((p) => p.name);
  assert.equal(order, ['core', 'zed', 'ui', 'app']);
});

test('a cycle is broken, not fatal', () => {
  assert.equal(
    orderByDependencies([pkg('a', 'b'), pkg('b', 'a')]).map((p) => p.name),
    ['a', 'b'],
  );
});

test('addGuard keeps an existing prepublishOnly, the indentation, and is idempotent', async () => {
  const dir = await tempDir();
  const file = join(dir, 'package.json');
  await writeFile(file, '{\n\t"name": "g",\n\t"version": "1.0.0",\n\t"scripts": { "prepublishOnly": "npm test" }\n}\n');
  assert.ok(await addGuard(dir));
  const text = await readFile(file, 'utf8');
  assert.match(text, /\n\t"scripts"/);
  const json = JSON.parse(text);
  assert.is(json.scripts.prepublishOnly, 'sealpack guard && npm test');
  assert.ok(hasGuard(json));
  assert.not.ok(await addGuard(dir));
  assert.is(await readFile(file, 'utf8'), text);
});

test('hasGuard: only the guard command counts', () => {
  assert.not.ok(hasGuard({ scripts: { prepublishOnly: 'echo sealpack guarded' } }));
  assert.ok(hasGuard({ scripts: { prepublishOnly: 'npm run build && sealpack guard' } }));
});

test('public API is pinned: what the CLI uses (and sealTarballBytes, for the benchmark)', () => {
  assert.equal(Object.keys(publish).sort(), [
    'addGuard',
    'checkSignerNotRevoked',
    'hasGuard',
    'isSealpackPublish',
    'packSealed',
    'publishDirectory',
    'publishSealedTarball',
    'publishWorkspace',
    'readWorkspace',
    'sealTarball',
    'sealTarballBytes',
  ]);
});

test.run();
