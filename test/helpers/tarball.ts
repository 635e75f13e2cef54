// Builds real npm-style tarballs (gzip, entries under `package/`) for tests and fixtures.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { create } from 'tar';
import { tempDir } from './index.js';

export type FileMap = Record<string, string | Uint8Array>;

/** A package's files, with a package.json for `name@version` unless `files` has one. */
export function packageFiles(name: string, version: string, files: FileMap = {}): FileMap {
  return {
    'package.json': JSON.stringify({ name, version, main: 'index.js' }, null, 2) + '\n',
    'index.js': `module.exports = ${JSON.stringify(name)};\n`,
    ...files,
  };
}

/**
 * Writes `files` under a `package/` folder and packs them as `out` (gzip), in sorted
 * order with fixed mtimes, as npm pack does. Returns `out`.
 */
export async function makeTarball(out: string, files: FileMap, root = 'package'): Promise<string> {
  const src = await tempDir('sealpack-pack-');
  const paths = Object.keys(files).sort();
  for (const path of paths) {
    const target = join(src, root, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, files[path]!);
  }
  await create(
    { gzip: true, file: out, cwd: src, portable: true, mtime: new Date('1985-10-26T08:15:00Z') },
    paths.map((p) => `${root}/${p}`),
  );
  return out;
}
