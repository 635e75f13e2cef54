// Fixtures for installed-tree and lockfile tests: a consumer that pins a key, and sealed
// packages written straight into node_modules the way a package manager leaves them.
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { buildManifest, hashBytes, serializeManifest, EMBEDDED_MANIFEST_PATH, EMBEDDED_SIGNATURE_PATH } from '@sealpack/manifest';
import { generateKey, readSigningKey, type Signer } from '@sealpack/openpgp';
import { loadTrust, type Trust } from '@sealpack/trust';
import { packageFiles, type FileMap } from '../helpers/tarball.js';
import { tempDir } from '../helpers/index.js';

export interface TestKey {
  name: string;
  publicKey: string;
  fingerprint: string;
  signer: Signer;
}

export async function makeKey(name = 'alice'): Promise<TestKey> {
  const key = await generateKey({ name, email: `${name}@example.test` });
  return { name, publicKey: key.publicKey, fingerprint: key.fingerprint, signer: await readSigningKey(key.privateKey) };
}

/** A consumer project: package.json (workspaces under `packages/`), pinned keys, and a `.sealpackrc.json` with `config`. */
export async function makeConsumer(keys: TestKey[], config: Record<string, unknown> = {}, dir?: string): Promise<string> {
  const root = dir ?? (await tempDir('sealpack-consumer-'));
  await mkdir(join(root, '.sealpack', 'keys'), { recursive: true });
  for (const key of keys) await writeFile(join(root, '.sealpack', 'keys', `${key.name}.asc`), key.publicKey);
  await writeFile(join(root, '.sealpackrc.json'), JSON.stringify(config, null, 2));
  await writeFile(
    join(root, 'package.json'),
    JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, workspaces: ['packages/*'] }, null, 2),
  );
  return root;
}

export const trustOf = (dir: string): Promise<Trust> => loadTrust({ cwd: dir });

/** The manifest bytes (with `files`) and a signature by `signer` for a package's files. */
export async function sealFiles(
  name: string,
  version: string,
  files: FileMap,
  signer: Signer,
): Promise<{ manifest: Buffer; signature: string }> {
  const listed = Object.keys(files)
    .sort()
    .map((path) => ({
      path,
      ...hashBytes(typeof files[path] === 'string' ? Buffer.from(files[path] as string) : (files[path] as Uint8Array)),
    }));
  const manifest = Buffer.from(serializeManifest(buildManifest({ name, version, files: listed })));
  return { manifest, signature: await signer.sign(manifest) };
}

async function writeFiles(dir: string, files: FileMap): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

/**
 * Writes an installed package at `dir` (e.g. `root/node_modules/@a/b`): its files, and with a
 * `signer` its embedded seal. Returns the files written (without the seal).
 */
export async function installPackage(
  dir: string,
  name: string,
  version: string,
  options: { signer?: Signer; files?: FileMap } = {},
): Promise<FileMap> {
  const files = packageFiles(name, version, options.files);
  await writeFiles(dir, files);
  if (options.signer) {
    const seal = await sealFiles(name, version, files, options.signer);
    await writeFiles(dir, { [EMBEDDED_MANIFEST_PATH]: seal.manifest, [EMBEDDED_SIGNATURE_PATH]: seal.signature });
  }
  return files;
}

/** A relative symlink `from` → `to` (directories), as npm and pnpm create them. */
export async function link(to: string, from: string): Promise<void> {
  await mkdir(dirname(from), { recursive: true });
  await symlink(relative(dirname(from), to), from, 'dir');
}
