// The malicious corpus of issue 13 (test/fixtures/malicious/, built by scripts/malicious-corpus.mjs):
// every archive npm's and pnpm's extractors read differently is refused, naming what; the ones
// both read alike give exactly their files; decompression bombs are refused after a bounded read.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readTarball } from '@sealpack/manifest';
import { buildCorpus, corpusContent, CORPUS_DIR, zerosBomb } from '../../scripts/malicious-corpus.mjs';
import { cleanTempDirs, rejects, tempDir } from '../helpers/index.js';

const test = suite('malicious corpus');
test.after(cleanTempDirs);

interface Item {
  name: string;
  what: string;
  bytes: Buffer;
  refuse?: string;
  accept?: string[];
}
const corpus = buildCorpus() as Item[];

test('the corpus on disk is what the script builds', () => {
  const index = JSON.parse(readFileSync(join(CORPUS_DIR, 'index.json'), 'utf8')) as { name: string }[];
  assert.equal(
    index.map((i) => i.name),
    corpus.map((i) => i.name),
  );
  for (const item of corpus) {
    const onDisk = readFileSync(join(CORPUS_DIR, `${item.name}.tar`));
    assert.ok(
      corpusContent(onDisk).equals(corpusContent(item.bytes)),
      `${item.name}.tar is stale: run node scripts/malicious-corpus.mjs`,
    );
  }
});

for (const item of corpus) {
  test(`${item.name}: ${item.what}`, async () => {
    const bytes = readFileSync(join(CORPUS_DIR, `${item.name}.tar`));
    // As npm publishes them: gzipped (the gzip-inside archive is gzip already).
    const tgz = bytes[0] === 0x1f ? bytes : gzipSync(bytes);
    if (item.refuse) {
      const error = await rejects(() => readTarball(tgz, `${item.name}.tgz`), 'ESEAL_MALFORMED');
      assert.ok(error.message.includes(item.refuse), `${item.name}: ${error.message}`);
    } else {
      const contents = await readTarball(tgz, `${item.name}.tgz`);
      assert.equal(
        contents.files.map((f) => f.path),
        item.accept,
      );
    }
  });
}

test('300 MiB of zeros after the end of the archive (300 KB gzipped): refused after reading the allowed padding', async () => {
  const bomb = zerosBomb(300 << 20);
  assert.ok(bomb.length < 1 << 20);
  await rejects(() => readTarball(bomb, 'bomb.tgz'), 'ESEAL_MALFORMED', /more than 65536 bytes after the end-of-archive/);
});

test('1 GiB of zeros after the end of the archive, read from a file: refused on the streaming path too', async () => {
  const path = join(await tempDir(), 'bomb-1.0.0.tgz');
  const bomb = zerosBomb(1 << 30);
  // Past the whole-read limit, so the file streams through zlib chunk by chunk.
  await writeFile(path, Buffer.concat([bomb, Buffer.alloc(0)]));
  await rejects(() => readTarball(path), 'ESEAL_MALFORMED', /more than 65536 bytes after the end-of-archive/);
});

test('a little padding after the end of the archive, as tar writers leave it, is fine', async () => {
  const ok = corpus.find((i) => i.name === 'ok-pax-long-path')!;
  const padded = Buffer.concat([ok.bytes, Buffer.alloc(10240)]);
  const contents = await readTarball(gzipSync(padded), 'padded.tgz');
  assert.equal(
    contents.files.map((f) => f.path),
    ok.accept,
  );
});

test.run();
