// Hints that fit the cause: a refused publish is about write access or a version that exists,
// not read access; an approval verify-installed cannot see for want of a cached registry seal
// sends the user to verify-lockfile, not to an approver.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import type { Verdict } from '@sealpack/verify';
import { registryError } from '../../packages/publish/src/publish.js';
import { hintFor } from '../../packages/cli/src/hints.js';
import { cli } from '../helpers/cli.js';
import { cleanTempDirs } from '../helpers/index.js';
import { installPackage, makeConsumer, makeKey } from '../verify/sealed.js';

const test = suite('cli: hints by cause');
test.after(cleanTempDirs);

const pkg = { name: '@acme/widget', version: '1.4.0' };
const refusal = (statusCode: number, said: string) =>
  registryError(
    Object.assign(new Error(said), { statusCode, body: { error: said } }),
    '@acme/widget@1.4.0',
    'https://r.example/',
    pkg,
  );
const hintOf = (error: ReturnType<typeof refusal>) => hintFor(error.code, error.info.found);

test('publish: a version that exists (npmjs 403, Verdaccio 409) says bump the version; a refused upload says write access', () => {
  for (const exists of [
    refusal(403, 'You cannot publish over the previously published versions: 1.4.0.'),
    refusal(409, 'this package is already present'),
  ]) {
    assert.is(exists.info.found, 'version exists');
    assert.match(exists.message, /@acme\/widget@1\.4\.0 is already in the registry, or was and was unpublished/);
    assert.match(hintOf(exists), /has \(or had\) this version: .*bump the version/);
    assert.not.match(hintOf(exists), /read access/);
  }
  for (const status of [401, 403]) {
    const forbidden = refusal(status, 'forbidden');
    assert.is(forbidden.info.found, `HTTP ${status} on publish`);
    assert.match(
      hintOf(forbidden),
      /refused the credentials for an upload: set a token with publish \(write\) access to this package/,
    );
    assert.not.match(hintOf(forbidden), /read access/);
  }
  assert.match(hintOf(refusal(404, 'not found')), /would not create the package/);
  assert.match(hintOf(refusal(503, 'unavailable')), /failed the upload: nothing was published/);
  // Reading (verify-lockfile) keeps its own hints.
  assert.match(hintFor('ESEAL_REGISTRY', 'HTTP 403'), /set a token with read access/);
  assert.match(hintFor('ESEAL_APPROVAL', '0'), /ask an approver/);
});

test('verify-installed with an approvals rule and no cached registry seal: ESEAL_APPROVAL, and the hint says run verify-lockfile first', async () => {
  const [release, alice] = await Promise.all([makeKey('release'), makeKey('alice')]);
  const cwd = await makeConsumer([release, alice], {
    trust: [{ packages: 'w', keys: ['release'], approvers: ['alice'], approvals: 1 }],
  });
  await installPackage(join(cwd, 'node_modules', 'w'), 'w', '1.0.0', { signer: release.signer });
  const env = { SEALPACK_CACHE_DIR: join(cwd, '.empty-cache') };
  const json = await cli(['verify-installed', '--json'], { cwd, env });
  assert.is(json.status, 1, json.stdout + json.stderr);
  const findings = (JSON.parse(json.stdout) as Verdict).findings as (Verdict['findings'][number] & { hint: string })[];
  const approval = findings.find((f) => f.code === 'ESEAL_APPROVAL');
  assert.ok(approval, json.stdout);
  assert.match(approval.message, /^w@1\.0\.0: not enough approvals .*; no registry seal of it is cached$/);
  assert.match(approval.hint, /approvals travel in the registry seal, .*run `sealpack verify-lockfile` \(online\) first/);
  assert.not.match(approval.hint, /ask an approver/);
  const human = await cli(['verify-installed'], { cwd, env });
  assert.is(human.status, 1);
  assert.match(human.stdout, /hint: approvals travel in the registry seal/);
});

test.run();
