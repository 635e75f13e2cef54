import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readNpmConfig, registryFor } from '@sealpack/verify';
import { expandEnv } from '../../packages/verify/src/npmrc.js';
import { cleanTempDirs, tempDir } from '../helpers/index.js';

const test = suite('reading npm configuration');
test.after(cleanTempDirs);

async function project(npmrc: string, user = ''): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
  const dir = await tempDir();
  await writeFile(join(dir, 'package.json'), '{"name":"x","version":"1.0.0"}');
  await writeFile(join(dir, '.npmrc'), npmrc);
  await writeFile(join(dir, 'user.npmrc'), user);
  return { dir, env: { HOME: dir, npm_config_userconfig: join(dir, 'user.npmrc') } };
}

test('defaults to the public registry', async () => {
  const { dir, env } = await project('');
  assert.is(readNpmConfig({ cwd: dir, env }).registry, 'https://registry.npmjs.org/');
});

test('project .npmrc over the user one; ${NODE_AUTH_TOKEN} expands', async () => {
  const { dir, env } = await project(
    'registry=http://127.0.0.1:9/\n//127.0.0.1:9/:_authToken=${NODE_AUTH_TOKEN}\n',
    'registry=http://user.example/\n',
  );
  const options = readNpmConfig({ cwd: dir, env: { ...env, NODE_AUTH_TOKEN: 's3cret' } });
  assert.is(options.registry, 'http://127.0.0.1:9/');
  assert.is(options['//127.0.0.1:9/:_authToken'], 's3cret');
});

test('an unset ${VAR} stays as written, ${VAR?} becomes empty', () => {
  assert.is(expandEnv('a${NOPE}b', {}), 'a${NOPE}b');
  assert.is(expandEnv('a${NOPE?}b', {}), 'ab');
  assert.is(expandEnv('\\${HOME}', { HOME: '/h' }), '${HOME}');
});

test('scoped registries, publishConfig, then registry', async () => {
  const { dir, env } = await project('registry=http://a.example\n@acme:registry=http://b.example\n');
  const options = readNpmConfig({ cwd: dir, env });
  assert.is(registryFor('@acme/w', options), 'http://b.example/');
  assert.is(registryFor('plain', options), 'http://a.example/');
  assert.is(registryFor('@acme/w', options, { registry: 'http://c.example' }), 'http://c.example/');
});

test('npm_config_* environment over files, --registry over everything', async () => {
  const { dir, env } = await project('registry=http://file.example/\nfetch-retries=0\n');
  const fromEnv = readNpmConfig({
    cwd: dir,
    env: { ...env, npm_config_registry: 'http://env.example/', NPM_CONFIG_FETCH_RETRY_MINTIMEOUT: '5' },
  });
  assert.is(fromEnv.registry, 'http://env.example/');
  assert.equal(fromEnv.retry, { retries: 0, minTimeout: 5 });
  const fromFlag = readNpmConfig({
    cwd: dir,
    env: { ...env, npm_config_registry: 'http://env.example/' },
    flags: { registry: 'http://flag.example' },
  });
  assert.is(fromFlag.registry, 'http://flag.example/');
});

test('a workspace package reads the root .npmrc under its own', async () => {
  const { dir: root, env } = await project('registry=http://root.example/\n//root.example/:_authToken=t\n');
  const pkg = join(root, 'packages', 'a');
  await mkdir(pkg, { recursive: true });
  await writeFile(join(pkg, 'package.json'), '{"name":"a","version":"1.0.0"}');
  await writeFile(join(pkg, '.npmrc'), 'registry=http://pkg.example/\n');
  const options = readNpmConfig({ cwd: pkg, root, env });
  assert.is(options.registry, 'http://pkg.example/');
  assert.is(options['//root.example/:_authToken'], 't');
});

test('cafile, strict-ssl, proxies and retries map to npm-registry-fetch options', async () => {
  const { dir, env } = await project(
    'cafile=ca.pem\nstrict-ssl=false\nproxy=http://p.example:3128/\nhttps-proxy=http://s.example:3128/\nnoproxy=localhost\nfetch-retries=5\nfetch-timeout=1000\n',
  );
  await writeFile(join(dir, 'ca.pem'), 'PEM');
  const options = readNpmConfig({ cwd: dir, env });
  assert.is(options.ca, 'PEM');
  assert.is(options.strictSSL, false);
  assert.is(options.proxy, 'http://p.example:3128/');
  assert.is(options.httpsProxy, 'http://s.example:3128/');
  assert.is(options.noProxy, 'localhost');
  assert.equal(options.retry, { retries: 5 });
  assert.is(options.timeout, 1000);
});

test.run();
