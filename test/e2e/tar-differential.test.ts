// Issue 13, item 4, against the real extractors: archives from the malicious corpus published to
// a real Verdaccio and installed by npm 11 (node-tar) and pnpm 10 and 12 (pnpm's own tar
// parser). What sealpack refuses, the extractors really read differently; what it accepts,
// every extractor installs as exactly the files sealpack read.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readTarball } from '@sealpack/manifest';
import { buildCorpus } from '../../scripts/malicious-corpus.mjs';
import { cleanTempDirs, tempDir, type RunResult } from '../helpers/index.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { exec, PNPM10, PNPM12, setUp, type Setup } from './publish-helpers.js';

const test = suite('e2e: npm and pnpm extract what sealpack reads');
const ctx = {} as { registry: Registry; setup: Setup };
const ITEMS = [
  'pax-record-misaligned',
  'pax-record-newline',
  'name-bytes-after-nul',
  'prefix-without-ustar-magic',
  'ok-pax-long-path',
  'ok-gnu-long-name',
];
const corpus = (buildCorpus() as { name: string; bytes: Buffer; refuse?: string; accept?: string[] }[]).filter((i) =>
  ITEMS.includes(i.name),
);

type Client = { name: string; install: (dir: string) => RunResult };
const CLIENTS: Client[] = [
  { name: 'npm', install: (dir) => exec('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts'], dir, ctx.setup.env) },
  { name: 'pnpm10', install: (dir) => exec(process.execPath, [PNPM10, 'install', '--ignore-scripts'], dir, ctx.setup.env) },
  { name: 'pnpm12', install: (dir) => exec(PNPM12, ['install', '--ignore-scripts'], dir, ctx.setup.env) },
];

/** Every regular file under `dir` (links followed, as Node would), `/`-separated, with its content. */
function filesIn(dir: string): Record<string, string> {
  const found: Record<string, string> = {};
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else found[relative(dir, path).split('\\').join('/')] = readFileSync(path, 'utf8');
    }
  };
  walk(dir);
  return found;
}

test.before(async () => {
  [ctx.registry, ctx.setup] = await Promise.all([startRegistry(), setUp()]);
  const dir = await tempDir('sealpack-corpus-pub-');
  await ctx.registry.writeNpmrc(dir);
  for (const item of corpus) {
    const tgz = join(dir, `${item.name}.tgz`);
    await writeFile(tgz, gzipSync(item.bytes));
    const published = exec('npm', ['publish', tgz], dir, ctx.setup.env);
    assert.is(published.status, 0, `${item.name}: ${published.stderr}`);
  }
});
test.after(async () => {
  await ctx.registry?.stop();
  await cleanTempDirs();
});

for (const item of corpus) {
  test(`${item.name}: sealpack ${item.refuse ? 'refuses it, and the extractors disagree' : 'reads what every extractor installs'}`, async () => {
    const name = `victim-${item.name}`;
    const seen: Record<string, Record<string, string> | string> = {};
    for (const client of CLIENTS) {
      const dir = await tempDir(`sealpack-corpus-${client.name}-`);
      await writeFile(
        join(dir, 'package.json'),
        JSON.stringify({ name: 'consumer', version: '1.0.0', dependencies: { [name]: '1.0.0' } }),
      );
      await ctx.registry.writeNpmrc(dir);
      const installed = client.install(dir);
      const pkg = join(dir, 'node_modules', name);
      seen[client.name] =
        installed.status === 0 && existsSync(pkg)
          ? filesIn(pkg)
          : `install failed: ${installed.stderr.split('\n').slice(-3).join(' ')}`;
    }
    let read: string[] | string;
    try {
      read = (await readTarball(gzipSync(item.bytes), item.name)).files.map((f) => f.path);
    } catch (error) {
      read = (error as Error).message;
    }
    const shown = JSON.stringify({ sealpack: read, ...seen }, null, 1);
    if (item.refuse) {
      assert.type(read, 'string', shown);
      assert.ok((read as string).includes(item.refuse), shown);
      // The archive means two different trees: what npm installs is not what pnpm installs.
      assert.not.equal(seen.npm, seen.pnpm10, shown);
    } else {
      assert.equal(read, item.accept, shown);
      for (const client of CLIENTS) {
        const files = seen[client.name];
        assert.type(files, 'object', shown);
        const paths = Object.keys(files as Record<string, string>).sort();
        assert.equal(paths, [...item.accept!].sort(), `${client.name}: ${shown}`);
      }
    }
  });
}

test.run();
