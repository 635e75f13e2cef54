import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SealError, silentLogger, type Logger } from '@sealpack/diagnostics';
import { readTarball, readTarballFile } from '@sealpack/manifest';
import { appendSignatures, type Signer } from '@sealpack/openpgp';
import { readRegistrySeal } from '@sealpack/sign';
import type { Trust } from '@sealpack/trust';
import type { publish as Publish } from 'libnpmpublish';
import { registryFor, type NpmOptions } from '@sealpack/verify';
import { packSealed } from './pack.js';
import { checkOwnSeal, checkSealedTarball, checkSignerNotRevoked } from './sealed.js';

export interface PublishOptions {
  signer: Signer;
  /** From readNpmConfig: registry, scoped registries, auth, fetch settings. */
  npm: NpmOptions;
  /** The publisher's own pinned trust: revocations of the signing key, and the seal check. */
  trust?: Trust;
  tag?: string;
  access?: string;
  otp?: string;
  dryRun?: boolean;
  /**
   * npm provenance: libnpmpublish signs a SLSA statement with the CI's OIDC identity
   * (GitHub Actions, GitLab) and attaches it, beside the seal. Default: npm's `provenance`
   * setting (`NPM_CONFIG_PROVENANCE=true`, `.npmrc`).
   */
  provenance?: boolean;
  logger?: Logger;
}

export interface PublishResult {
  name: string;
  version: string;
  registry: string;
  tag: string;
  tarball: string;
  /** The tarball's sha512 integrity, as the registry and lockfiles record it. */
  integrity: string;
  /** `dist.sealpack` as sent. */
  seal: { manifest: string; signature: string };
  dryRun: boolean;
}

interface PackageJson {
  name: string;
  version: string;
  private?: boolean;
  publishConfig?: { registry?: string; tag?: string; access?: string };
  [key: string]: unknown;
}

/** A prerelease version (`1.0.0-rc.1`): npm 11 refuses to give it `latest` implicitly. */
export const isPrerelease = (version: string): boolean => /^\d+\.\d+\.\d+-/.test(version);

// libnpmpublish (with sigstore) takes ~350 ms to load: load it while the package manager packs.
let publisher: Promise<{ publish: typeof Publish }> | undefined;
const loadPublisher = () => (publisher ??= import('libnpmpublish'));

/**
 * Publishes a tarball sealed by `sealpack pack`, byte for byte: checks its seals, builds the
 * registry seal (a tarball-only manifest, signed now) and sends it with libnpmpublish as
 * `dist.sealpack`. Any failure before the upload means nothing is published.
 */
export async function publishSealedTarball(tarball: string, options: PublishOptions): Promise<PublishResult> {
  return publishTarball(tarball, options, true);
}

/** `sealpack publish DIR`: packs and seals `dir` in a temp folder, then publishes that tarball. */
export async function publishDirectory(
  dir: string,
  options: PublishOptions & { env?: NodeJS.ProcessEnv; ignoreScripts?: boolean },
): Promise<PublishResult> {
  void loadPublisher().catch(() => undefined);
  const out = await mkdtemp(join(tmpdir(), 'sealpack-publish-'));
  try {
    const packed = await packSealed(dir, {
      signer: options.signer,
      outDir: out,
      env: options.env,
      ignoreScripts: options.ignoreScripts,
      logger: options.logger,
    });
    // Sealed a moment ago by this process: no need to check the seal against itself.
    return await publishTarball(packed.tarball, options, false);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

async function publishTarball(tarball: string, options: PublishOptions, checkSeal: boolean): Promise<PublishResult> {
  const logger = options.logger ?? silentLogger;
  const bytes = readTarballFile(tarball);
  const contents = await readTarball(bytes, tarball);
  const pkg = parsePackageJson(contents.packageJson?.bytes, tarball);
  const label = `${pkg.name}@${pkg.version}`;
  if (pkg.private) {
    throw new SealError('ESEAL_CONFIG', `${label}: expected a publishable package, found "private": true`, {
      package: pkg.name,
      version: pkg.version,
      artifact: tarball,
    });
  }
  if (checkSeal) for (const warning of await checkSealedTarball(tarball, contents, options.trust)) logger.warn(warning);
  checkSignerNotRevoked(options.signer, options.trust);

  // npm's order: --tag, publishConfig.tag, then the `tag` setting of .npmrc.
  const tag = options.tag ?? pkg.publishConfig?.tag ?? (typeof options.npm.tag === 'string' ? options.npm.tag : undefined);
  if (!tag && isPrerelease(pkg.version)) {
    throw new SealError(
      'ESEAL_CONFIG',
      `${label}: a prerelease needs a dist-tag: expected --tag (or changesets pre mode), found none`,
      { package: pkg.name, version: pkg.version },
    );
  }

  // The registry copy states the tarball only: it rides in every install's metadata. Approvals
  // gathered beside a sealed tarball (`sealpack approve`, X.tgz.registry.json.asc) ride along.
  const gathered = await readRegistrySeal(tarball, pkg.name, pkg.version, contents.tarball);
  const manifestBytes = gathered.manifest;
  const own = await options.signer.sign(manifestBytes);
  const signature = gathered.signature ? await appendSignatures(gathered.signature, own) : own;
  await checkOwnSeal({ manifest: manifestBytes, signature }, options.signer, options.trust, pkg);
  const seal = { manifest: manifestBytes.toString('utf8'), signature };

  const registry = registryFor(pkg.name, options.npm, pkg.publishConfig);
  const result: PublishResult = {
    name: pkg.name,
    version: pkg.version,
    registry,
    tag: tag ?? 'latest',
    tarball,
    integrity: contents.tarball.integrity,
    seal,
    dryRun: options.dryRun === true,
  };
  if (options.dryRun) {
    logger.info(`${label}: dry run: would publish to ${registry} with tag ${result.tag}`);
    return result;
  }

  // libnpmpublish copies `dist` and only sets integrity, shasum and tarball in it, so
  // `dist.sealpack` reaches the version document; abbreviated metadata keeps `dist` whole.
  const manifest = { ...pkg, dist: { sealpack: seal } };
  const access = options.access ?? pkg.publishConfig?.access;
  const publishOptions: Record<string, unknown> = { ...options.npm, registry, defaultTag: result.tag };
  // libnpmpublish picks `@scope:registry` before `registry`: drop it so publishConfig wins.
  if (pkg.publishConfig?.registry && pkg.name.startsWith('@')) delete publishOptions[`${pkg.name.split('/')[0]}:registry`];
  if (access) publishOptions.access = access;
  if (options.otp) publishOptions.otp = options.otp;
  // npm's config gives strings ("true"); libnpmpublish acts on `provenance === true` only.
  const provenance = options.provenance ?? String(options.npm.provenance) === 'true';
  publishOptions.provenance = provenance;
  try {
    const { publish } = await loadPublisher();
    await publish(manifest, bytes, publishOptions);
  } catch (error) {
    throw registryError(error, label, registry, pkg);
  }
  logger.info(`${label}: published to ${registry} with tag ${result.tag}`);
  return result;
}

function parsePackageJson(bytes: Buffer | undefined, tarball: string): PackageJson {
  try {
    const json = JSON.parse(bytes?.toString('utf8') ?? '') as PackageJson;
    if (typeof json.name === 'string' && typeof json.version === 'string') return json;
  } catch {
    // Reported below.
  }
  throw new SealError('ESEAL_MALFORMED', `${tarball}: expected package/package.json with a name and a version, found none`, {
    artifact: tarball,
    file: 'package.json',
  });
}

/** What each refusal usually means when publishing, and what to do about it. */
const REFUSALS: Record<number, (name: string, version: string, registry: string) => string> = {
  401: (_n, _v, registry) =>
    `not logged in: expected a token ${registry} accepts (//host/:_authToken in .npmrc, e.g. \${NODE_AUTH_TOKEN}), found none it accepts`,
  403: (name, version) =>
    `forbidden: this user may not publish ${name} (not a maintainer, a token without write access or without 2FA bypass), or ${version} was published (and perhaps unpublished) before`,
  404: (name) =>
    `${name} cannot be created by this user: on npmjs a 404 on publish means the scope does not exist or is not yours, or the token is not valid for it`,
  409: (name, version) =>
    `${name}@${version} is already in the registry, or was and was unpublished (a version is never reused): bump the version`,
};
/** What npmjs and others say about a version that exists or existed. */
const VERSION_EXISTS = /previously published|cannot publish over|already (been )?(published|present|exists)/i;

/** A registry failure as a SealError naming the package, the registry, what it said and what it usually means. */
export function registryError(
  error: unknown,
  label: string,
  registry: string,
  pkg: { name: string; version: string },
): SealError {
  const e = error as Error & { code?: string; statusCode?: number; body?: { error?: string } };
  const said = e.body?.error ?? e.message.split('\n')[0];
  const about = { package: pkg.name, version: pkg.version, cause: error };
  // libnpmpublish's own refusals before any upload: `--provenance` outside a CI it supports,
  // or without the OIDC permission.
  if (e.code === 'EUSAGE')
    return new SealError('ESEAL_CONFIG', `${label}: ${e.message.split('\n')[0]}; nothing was published`, about);
  // npmjs answers a version that exists (or existed) with 403, Verdaccio with 409.
  const exists = e.statusCode === 409 || (e.statusCode === 403 && VERSION_EXISTS.test(said ?? ''));
  const meaning = exists
    ? REFUSALS[409]!(pkg.name, pkg.version, registry)
    : e.statusCode
      ? REFUSALS[e.statusCode]?.(pkg.name, pkg.version, registry)
      : undefined;
  const what = e.statusCode
    ? `${registry} refused the publish (HTTP ${e.statusCode})${meaning ? `: ${meaning}` : ''}`
    : `publishing to ${registry} failed (${e.code ?? 'error'})`;
  return new SealError('ESEAL_REGISTRY', `${label}: ${what}: the registry said: ${said}`, {
    ...about,
    // The CLI's hint goes by `found`: a refused upload is not a refused read, and a version
    // that exists needs a new version, not another token.
    found: exists ? 'version exists' : e.statusCode ? `HTTP ${e.statusCode} on publish` : e.code,
    details: e.code === 'EOTP' ? ['the registry asks for a one-time password: pass --otp'] : [],
  });
}
