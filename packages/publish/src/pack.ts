import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { SealError, silentLogger, type Logger } from '@sealpack/diagnostics';
import {
  buildManifest,
  EMBEDDED_MANIFEST_PATH,
  EMBEDDED_SIGNATURE_PATH,
  readTarball,
  serializeManifest,
  type ManifestSource,
  sealPaths,
} from '@sealpack/manifest';
import type { Signer } from '@sealpack/openpgp';
import { signTarball } from '@sealpack/sign';
import { appendEntries } from './embed.js';
import { installFiles } from './files.js';
import { readGitSource } from './git.js';
import { detectPackageManager, packWithPackageManager, type PackageManager } from './package-manager.js';

export interface PackOptions {
  signer: Signer;
  /** Where the sealed tarball and its detached seal go (default: `dir`). */
  outDir?: string;
  /** Default: detected from `dir` (see detectPackageManager). */
  packageManager?: PackageManager;
  /** Provenance for the manifests; default: git's `origin` and HEAD; `false` for none. */
  source?: ManifestSource | false;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

export interface PackedTarball {
  name: string;
  version: string;
  /** The sealed tarball in `outDir`. */
  tarball: string;
  /** The detached seal files beside it. */
  seal: string[];
  packageManager: PackageManager['name'];
}

/**
 * `sealpack pack`: the package manager packs `dir`, then the embedded seal (manifest of
 * every file + its signature) is added to the tarball, and the detached seal of DESIGN.md
 * is written for the final bytes. All work happens in a temp folder; the outputs are
 * renamed into `outDir` only when all of them are complete.
 */
export async function packSealed(dir: string, options: PackOptions): Promise<PackedTarball> {
  const logger = options.logger ?? silentLogger;
  const env = options.env ?? process.env;
  const outDir = resolve(options.outDir ?? dir);
  if (!existsSync(join(dir, 'package.json'))) {
    throw new SealError('ESEAL_CONFIG', `${dir}: expected a package folder with a package.json, found none`, { artifact: dir });
  }
  const work = await mkdtemp(join(tmpdir(), 'sealpack-pack-'));
  try {
    const pm = options.packageManager ?? (await detectPackageManager(dir, env));
    const [packed, source] = await Promise.all([
      mkdir(join(work, 'packed')).then(() => packWithPackageManager(pm, dir, join(work, 'packed'), env)),
      options.source === false ? undefined : options.source ? options.source : readGitSource(dir),
    ]);
    const sealed = await sealTarballBytes(await readFile(packed), { signer: options.signer, source, artifact: packed });
    const staged = join(work, basename(packed));
    await writeFile(staged, sealed.bytes);
    await signTarball(staged, { signer: options.signer, source });

    await mkdir(outDir, { recursive: true });
    const tarball = join(outDir, basename(packed));
    const from = sealPaths(staged);
    const to = sealPaths(tarball);
    await installFiles([
      [staged, tarball],
      [from.manifest, to.manifest],
      [from.signature, to.signature],
      [from.manifestSignature, to.manifestSignature],
    ]);
    logger.info(`${sealed.name}@${sealed.version}: packed with ${pm.name}, sealed by ${options.signer.fingerprint}: ${tarball}`);
    return {
      name: sealed.name,
      version: sealed.version,
      tarball,
      seal: [to.manifest, to.signature, to.manifestSignature],
      packageManager: pm.name,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Adds the embedded seal to a packed tarball: `package/.sealpack/manifest.json` (files
 * only, name and version from the tarball's own package.json) and its signature.
 */
export async function sealTarballBytes(
  tgz: Uint8Array,
  options: { signer: Signer; source?: ManifestSource; artifact?: string },
): Promise<{ name: string; version: string; bytes: Buffer; manifest: Buffer }> {
  const artifact = options.artifact ?? 'tarball';
  const contents = await readTarball(tgz, artifact);
  const { name, version } = contents.packageJson ?? {};
  if (!name || !version) {
    throw new SealError('ESEAL_MALFORMED', `${artifact}: expected package/package.json with a name and a version, found none`, {
      artifact,
      file: 'package.json',
    });
  }
  if (contents.embedded) {
    throw new SealError(
      'ESEAL_CONFIG',
      `${name}@${version}: the package already contains ${EMBEDDED_MANIFEST_PATH}: expected sealpack to add it, found one packed from the source folder`,
      {
        artifact,
        package: name,
        version,
        file: EMBEDDED_MANIFEST_PATH,
        details: [`remove it from the package folder, or exclude it with "files" or .npmignore`],
      },
    );
  }
  const manifest = serializeManifest(buildManifest({ name, version, files: contents.files, source: options.source }));
  const signature = await options.signer.sign(manifest);
  const bytes = appendEntries(
    tgz,
    [
      { path: EMBEDDED_MANIFEST_PATH, bytes: manifest },
      { path: EMBEDDED_SIGNATURE_PATH, bytes: Buffer.from(signature, 'utf8') },
    ],
    artifact,
  );
  return { name, version, bytes, manifest };
}
