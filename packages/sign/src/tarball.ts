import { SealError, silentLogger, type Logger } from '@sealpack/diagnostics';
import {
  buildManifest,
  parseManifest,
  readDetachedSeal,
  readTarballFile,
  readTarball,
  sealPaths,
  serializeManifest,
  type Manifest,
  type ManifestSource,
} from '@sealpack/manifest';
import { appendSignatures, type Signer } from '@sealpack/openpgp';
import { writeFileAtomic } from './atomic.js';

export interface SignTarballOptions {
  signer: Signer;
  source?: ManifestSource;
  logger?: Logger;
  /** Only add a signature to an existing signed seal of these bytes (`keys resign`, `approve`); never seal afresh. */
  appendOnly?: boolean;
  /** Sign as an approval (separation of duties), not as a release signature. */
  approval?: boolean;
}

export interface SignedTarball {
  name: string;
  version: string;
  /** The tarball's sha512 integrity (what the manifest states). */
  integrity: string;
  /** The files written, in the order they were renamed into place. */
  written: string[];
  /** True when an existing seal for the same tarball bytes got one more signature. */
  appended: boolean;
}

/**
 * Writes the detached seal of DESIGN.md for `tarball`: `X.tgz.asc` over the tarball bytes,
 * `X.tgz.manifest.json` and `X.tgz.manifest.json.asc` over the manifest bytes.
 * An existing seal of the same tarball bytes keeps its manifest bytes and gains a signature
 * (a second maintainer, an approver); a seal of other bytes is replaced, with a warning.
 */
export async function signTarball(tarball: string, options: SignTarballOptions): Promise<SignedTarball> {
  const logger = options.logger ?? silentLogger;
  const bytes = readTarballFile(tarball);
  const contents = await readTarball(bytes, tarball);
  const { name, version } = contents.packageJson ?? {};
  if (!name || !version) {
    throw new SealError(
      'ESEAL_MALFORMED',
      `${tarball}: expected ${contents.root}/package.json with a name and a version, found none`,
      {
        artifact: tarball,
        file: 'package.json',
      },
    );
  }
  const paths = sealPaths(tarball);

  const fresh = buildManifest({ name, version, tarball: contents.tarball, files: contents.files, source: options.source });
  let manifestBytes = serializeManifest(fresh);
  const existing = readDetachedSeal(tarball);
  let appended = false;
  if (existing.manifest) {
    // Co-sign only a seal that is already signed and states exactly what this tarball holds;
    // anything else (unsigned, planted, partial, other bytes) is replaced, never endorsed.
    const parsed = safeParse(existing.manifest, paths.manifest);
    if (existing.manifestSignature && parsed && sameContents(parsed, fresh)) {
      manifestBytes = existing.manifest;
      appended = true;
      if (parsed.source) logger.info(`${name}@${version}: co-signing the existing seal, source ${JSON.stringify(parsed.source)}`);
    } else if (!options.appendOnly) {
      logger.warn(
        `${name}@${version}: ${paths.manifest} is not a signed seal of these bytes; replacing it and dropping its signatures`,
      );
    }
  }

  if (options.appendOnly && !appended) {
    throw new SealError(
      'ESEAL_UNSIGNED',
      `${name}@${version}: expected a signed seal of these bytes (${paths.manifest} and its .asc), found ${existing.manifest ? 'one that is unsigned or states other bytes' : 'none'}; nothing was written`,
      { artifact: tarball, package: name, version },
    );
  }
  const signOptions = options.approval ? { approval: true } : {};
  const [tarballSignature, manifestSignature] = await Promise.all([
    options.signer.sign(bytes, undefined, signOptions),
    options.signer.sign(manifestBytes, undefined, signOptions),
  ]);
  const merge = (previous: Uint8Array | undefined, added: string): Promise<string> | string =>
    appended && previous ? appendSignatures(previous, added) : added;
  const tarballArmor = await merge(existing.tarballSignature, tarballSignature);
  const manifestArmor = await merge(existing.manifestSignature, manifestSignature);

  // Manifest first, its signature last: a reader that finds the signature finds its bytes.
  await writeFileAtomic(paths.manifest, manifestBytes);
  await writeFileAtomic(paths.signature, tarballArmor);
  await writeFileAtomic(paths.manifestSignature, manifestArmor);
  const what = options.approval ? 'approved' : 'signed';
  logger.info(`${name}@${version}: ${what} by ${options.signer.fingerprint}${appended ? ' (appended)' : ''}`);
  return {
    name,
    version,
    integrity: contents.tarball.integrity,
    written: [paths.manifest, paths.signature, paths.manifestSignature],
    appended,
  };
}

/** Same package, same tarball digest, same files: the claims a co-signer endorses. */
function sameContents(a: Manifest, b: Manifest): boolean {
  return (
    a.name === b.name &&
    a.version === b.version &&
    JSON.stringify(a.tarball) === JSON.stringify(b.tarball) &&
    JSON.stringify(a.files) === JSON.stringify(b.files)
  );
}

function safeParse(bytes: Buffer, artifact: string) {
  try {
    return parseManifest(bytes, artifact);
  } catch {
    return undefined;
  }
}
