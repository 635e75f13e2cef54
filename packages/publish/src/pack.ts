import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
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
  /** Run no lifecycle scripts while packing (`prepack`, `prepare`, `postpack`). */
  ignoreScripts?: boolean;
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
      mkdir(join(work, 'packed')).then(() => packWithPackageManager(pm, dir, join(work, 'packed'), env, options)),
      options.source === false ? undefined : options.source ? options.source : readGitSource(dir),
    ]);
    const sealed = await sealInto(packed, work, outDir, { signer: options.signer, source });
    logger.info(
      `${sealed.name}@${sealed.version}: packed with ${pm.name}, sealed by ${options.signer.fingerprint}: ${sealed.tarball}`,
    );
    return { ...sealed, packageManager: pm.name };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export interface SealOptions {
  signer: Signer;
  /** Where the sealed tarball and its detached seal go (default: beside `tarball`, replacing it). */
  outDir?: string;
  source?: ManifestSource;
  logger?: Logger;
}

export type SealedTarball = Omit<PackedTarball, 'packageManager'>;

/**
 * `sealpack seal X.tgz`: seals a tarball as it is, packed by anyone (an upstream release,
 * an `@types` tarball with its `node v22.20/` root): the embedded seal is appended under
 * its root folder, every original entry kept byte for byte, and the detached seal is
 * written for the new bytes. Nothing is repacked, so nothing is dropped (a shipped
 * `.npmignore`) or rewritten.
 */
export async function sealTarball(tarball: string, options: SealOptions): Promise<SealedTarball> {
  const logger = options.logger ?? silentLogger;
  const outDir = resolve(options.outDir ?? dirname(tarball));
  const work = await mkdtemp(join(tmpdir(), 'sealpack-seal-'));
  try {
    const sealed = await sealInto(tarball, work, outDir, options);
    logger.info(`${sealed.name}@${sealed.version}: sealed by ${options.signer.fingerprint}: ${sealed.tarball}`);
    return sealed;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Seals `tarball` in `work`, then renames the sealed tarball and its detached seal into `outDir`. */
async function sealInto(
  tarball: string,
  work: string,
  outDir: string,
  options: { signer: Signer; source?: ManifestSource },
): Promise<SealedTarball> {
  const sealed = await sealTarballBytes(await readFile(tarball), { ...options, artifact: tarball });
  const staged = join(work, basename(tarball));
  await writeFile(staged, sealed.bytes);
  await signTarball(staged, options);
  await mkdir(outDir, { recursive: true });
  const target = join(outDir, basename(tarball));
  const from = sealPaths(staged);
  const to = sealPaths(target);
  await installFiles([
    [staged, target],
    [from.manifest, to.manifest],
    [from.signature, to.signature],
    [from.manifestSignature, to.manifestSignature],
  ]);
  return { name: sealed.name, version: sealed.version, tarball: target, seal: [to.manifest, to.signature, to.manifestSignature] };
}

/**
 * Adds the embedded seal to a packed tarball: `<root>/.sealpack/manifest.json` (files
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
    throw new SealError(
      'ESEAL_MALFORMED',
      `${artifact}: expected ${contents.root}/package.json with a name and a version, found none`,
      {
        artifact,
        file: 'package.json',
      },
    );
  }
  if (contents.embedded) {
    throw new SealError(
      'ESEAL_CONFIG',
      `${name}@${version}: expected a tarball without an embedded seal, found ${contents.root}/${EMBEDDED_MANIFEST_PATH}`,
      {
        artifact,
        package: name,
        version,
        file: EMBEDDED_MANIFEST_PATH,
        details: [
          'a sealed tarball is sealed once: `sealpack sign` adds a signature to its detached seal',
          'packing a folder that holds .sealpack/: remove it, or exclude it with "files" or .npmignore',
        ],
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
    contents.root,
  );
  return { name, version, bytes, manifest };
}
