import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { releaseTag } from '../../packages/publish/src/release.js';
import { registryError } from '../../packages/publish/src/publish.js';
import { readChangesetsConfig } from '../../packages/publish/src/workspace.js';
import { cleanTempDirs, rejects, tempDir } from '../helpers/index.js';
import { writeTree } from '../e2e/publish-helpers.js';

const test = suite('publish -r: dist-tags, changesets config, registry refusals');
test.after(cleanTempDirs);

test("releaseTag follows changesets' getReleaseTag: only prereleases of the pre tag so far → latest", () => {
  assert.is(releaseTag(undefined, ['1.0.0']), undefined, 'not in pre mode: npm decides (latest)');
  assert.is(releaseTag('beta', undefined), 'beta', 'never published: the pre tag, as changesets');
  assert.is(releaseTag('beta', ['1.0.0-beta.0', '1.0.0-beta.1']), 'latest', 'no regular release yet: latest');
  assert.is(releaseTag('beta', ['0.9.0', '1.0.0-beta.0']), 'beta');
  assert.is(releaseTag('beta', ['1.0.0-alpha.0']), 'beta', 'prereleases of another tag are not "only pre"');
});

test('readChangesetsConfig: pre tag in pre mode only, access; a config that is not JSON is ESEAL_CONFIG', async () => {
  const root = await tempDir();
  assert.equal(await readChangesetsConfig(root), {});
  await writeTree(root, {
    '.changeset/config.json': { access: 'public', baseBranch: 'main' },
    '.changeset/pre.json': { mode: 'pre', tag: 'rc', initialVersions: {}, changesets: [] },
  });
  assert.equal(await readChangesetsConfig(root), { preTag: 'rc', access: 'public' });
  await writeTree(root, { '.changeset/pre.json': { mode: 'exit', tag: 'rc' } });
  assert.equal(await readChangesetsConfig(root), { access: 'public' });
  await writeTree(root, { '.changeset/config.json': '{ "access": ' });
  await rejects(
    () => readChangesetsConfig(root),
    'ESEAL_CONFIG',
    new RegExp(`${join('.changeset', 'config.json')}: expected JSON`),
  );
});

test('registry refusals say what 401, 403, 404 and 409 mean; --provenance refusals are usage errors', () => {
  const pkg = { name: '@acme/widget', version: '1.4.0' };
  const refusal = (statusCode: number) =>
    registryError(
      Object.assign(new Error('E'), { statusCode, body: { error: 'said' } }),
      '@acme/widget@1.4.0',
      'https://r.example/',
      pkg,
    );
  const cases: [number, RegExp][] = [
    [401, /HTTP 401\): not logged in: expected a token https:\/\/r\.example\/ accepts/],
    [403, /HTTP 403\): forbidden: this user may not publish @acme\/widget/],
    [404, /HTTP 404\): @acme\/widget cannot be created by this user: .*scope does not exist or is not yours/],
    [409, /HTTP 409\): @acme\/widget@1\.4\.0 is already in the registry/],
  ];
  for (const [status, message] of cases) {
    const error = refusal(status);
    assert.is(error.code, 'ESEAL_REGISTRY');
    assert.match(error.message, message);
    assert.match(error.message, /the registry said: said$/);
  }
  assert.match(refusal(500).message, /refused the publish \(HTTP 500\): the registry said: said/);
  const usage = registryError(
    Object.assign(new Error('Automatic provenance generation not supported for provider: null'), { code: 'EUSAGE' }),
    '@acme/widget@1.4.0',
    'https://r.example/',
    pkg,
  );
  assert.is(usage.code, 'ESEAL_CONFIG');
  assert.match(usage.message, /provenance generation not supported.*nothing was published/);
});

test.run();
