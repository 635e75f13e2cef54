import { isSealError, mapLimit, SealError, silentLogger, type Logger, type SealCode } from '@sealpack/diagnostics';
import type { Signer } from '@sealpack/openpgp';
import type { Trust } from '@sealpack/trust';
import { createGitTags } from './git.js';
import { RegistryClient, registryFor, type NpmOptions } from '@sealpack/verify';
import { publishDirectory } from './publish.js';
import { blocks, checkSignerNotRevoked } from './sealed.js';
import { orderByDependencies, readChangesetsConfig, readWorkspace, type WorkspacePackage } from './workspace.js';

export interface ReleaseOptions {
  signer: Signer;
  /** npm options for a package folder (its .npmrc, the root's, the user's, env, flags). */
  npmFor(pkg: { dir: string; root: string }): NpmOptions;
  trust?: Trust;
  tag?: string;
  access?: string;
  otp?: string;
  dryRun?: boolean;
  /** npm provenance (libnpmpublish's `provenance`); default npm's `provenance` setting. */
  provenance?: boolean;
  /** Run no lifecycle scripts while packing. */
  ignoreScripts?: boolean;
  /** Create `name@version` git tags for what was published (default true). */
  gitTag?: boolean;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

export type OutcomeStatus = 'published' | 'exists' | 'failed' | 'skipped';

export interface ReleaseOutcome {
  name: string;
  version: string;
  status: OutcomeStatus;
  /** Dist-tag it was (or would be) published with. */
  tag?: string;
  registry?: string;
  /** Why it failed or was skipped. */
  reason?: string;
  /** The failure's code (`ESEAL_UNSIGNED` for a version in the registry without a seal…). */
  code?: SealCode;
  /** The failure's cause where the error names one (`lifecycle script prepack`…), for a hint that fits. */
  found?: string;
  /** More about a failure: a failing build's whole output. */
  details?: string[];
}

export interface ReleaseResult {
  ok: boolean;
  outcomes: ReleaseOutcome[];
  gitTags: string[];
  /** changesets' `New tag:` lines' tags, which changesets/action reads to know what was published. */
  newTags: string[];
  dryRun: boolean;
}

/**
 * `sealpack publish -r`, the sealed `changeset publish`: every non-private workspace package
 * whose version is not yet in its registry, dependencies first. A failure does not stop the
 * others, but skips the packages that depend on the failed one (their published
 * package.json would name a version that does not exist). A rerun publishes what is missing.
 */
export async function publishWorkspace(dir: string, options: ReleaseOptions): Promise<ReleaseResult> {
  const logger = options.logger ?? silentLogger;
  // A revoked key would fail every package: refuse once, before anything is packed.
  checkSignerNotRevoked(options.signer, options.trust);
  const workspace = await readWorkspace(dir);
  const publishable = workspace.packages.filter((p) => !p.private && p.name && p.version);
  const changesets = await readChangesetsConfig(workspace.root);
  // Ask the registries about every package at once (a few hundred ms each on a real
  // registry); publishing itself stays sequential, dependencies first.
  const npmFor = new Map(publishable.map((p) => [p.name, options.npmFor({ dir: p.dir, root: workspace.root })]));
  const checks = new Map(
    await mapLimit(publishable, CHECK_CONCURRENCY, async (pkg) => {
      const npm = npmFor.get(pkg.name)!;
      const registry = registryFor(pkg.name, npm, pkg.packageJson.publishConfig as { registry?: string } | undefined);
      const client = new RegistryClient({ config: npm });
      const state = await client.versionsOf(pkg.name, registry).then(
        (versions): RegistryState => ({ registry, npm, client, versions: versions && [...versions.keys()] }),
        (error: Error): RegistryState => ({ registry, npm, client, error }),
      );
      return [pkg.name, state] as const;
    }),
  );
  const outcomes = new Map<string, ReleaseOutcome>();
  for (const pkg of orderByDependencies(publishable)) {
    const blocked = pkg.workspaceDependencies.find((d) => ['failed', 'skipped'].includes(outcomes.get(d)?.status ?? ''));
    if (blocked) {
      outcomes.set(pkg.name, {
        name: pkg.name,
        version: pkg.version,
        status: 'skipped',
        reason: `its dependency ${blocked} was not published`,
      });
      continue;
    }
    const state = checks.get(pkg.name)!;
    const tag = options.tag ?? releaseTag(changesets.preTag, state.versions);
    // changesets' order: the package's publishConfig.access, then the config's `access`
    // (only "public" is passed: "restricted" is npm's default for scoped packages).
    const publishConfig = pkg.packageJson.publishConfig as { access?: string } | undefined;
    const access = options.access ?? publishConfig?.access ?? (changesets.access === 'public' ? 'public' : undefined);
    outcomes.set(pkg.name, await releaseOne(pkg, state, { tag, access }, options, logger));
  }
  const list = [...outcomes.values()];
  const published = list.filter((o) => o.status === 'published');
  // As changesets names them: `v1.2.3` for a single-package repository, `name@version` in a workspace.
  const tagOf = (o: ReleaseOutcome) => (workspace.tool === 'root' ? `v${o.version}` : `${o.name}@${o.version}`);
  let gitTags: string[] = [];
  let newTags: string[] = [];
  if (!options.dryRun && options.gitTag !== false && published.length > 0) {
    newTags = workspace.tool === 'root' ? [tagOf(published[0]!)] : published.map(tagOf);
    const tags = await createGitTags(newTags, workspace.root);
    gitTags = tags.created;
    for (const tag of tags.failed) logger.warn(`could not create the git tag ${tag}`);
    if (!tags.checkout) logger.info(`${workspace.root} is not a git checkout: no git tags made`);
  }
  return {
    ok: list.every((o) => o.status === 'published' || o.status === 'exists'),
    outcomes: list,
    gitTags,
    newTags,
    dryRun: options.dryRun === true,
  };
}

/**
 * changesets' dist-tag rule (getReleaseTag): in pre mode, the pre tag, except for a package
 * whose every published version is a prerelease of that tag (no regular release yet), which
 * goes to `latest`; outside pre mode, none (npm's `latest`, or publishConfig.tag).
 */
export function releaseTag(preTag: string | undefined, published: string[] | undefined): string | undefined {
  if (!preTag) return undefined;
  const preId = (version: string) => /^\d+\.\d+\.\d+-([^.+]+)/.exec(version)?.[1];
  const onlyPre = published !== undefined && published.length > 0 && published.every((v) => preId(v) === preTag);
  return onlyPre ? 'latest' : preTag;
}

const CHECK_CONCURRENCY = 8;

interface RegistryState {
  registry: string;
  npm: NpmOptions;
  client: RegistryClient;
  /** The versions in the registry; undefined when it has no such package (HTTP 404). */
  versions?: string[];
  error?: Error;
}

async function releaseOne(
  pkg: WorkspacePackage,
  state: RegistryState,
  target: { tag?: string; access?: string },
  options: ReleaseOptions,
  logger: Logger,
): Promise<ReleaseOutcome> {
  const { registry, npm } = state;
  const base = { name: pkg.name, version: pkg.version, registry };
  try {
    if (state.error) throw state.error;
    if (state.versions?.includes(pkg.version)) {
      await checkPublishedSeal(pkg, state, options.trust);
      return { ...base, status: 'exists' };
    }
    const result = await publishDirectory(pkg.dir, {
      signer: options.signer,
      npm,
      trust: options.trust,
      tag: target.tag,
      access: target.access,
      otp: options.otp,
      dryRun: options.dryRun,
      provenance: options.provenance,
      env: options.env,
      ignoreScripts: options.ignoreScripts,
      logger,
    });
    return { ...base, status: 'published', tag: result.tag };
  } catch (error) {
    const reason = (error as Error).message;
    logger.warn(reason);
    const sealError = isSealError(error) ? error : undefined;
    return {
      ...base,
      status: 'failed',
      reason,
      ...(sealError ? { code: sealError.code } : {}),
      ...(sealError?.info.found ? { found: sealError.info.found } : {}),
      ...(sealError?.details ? { details: sealError.details.split('\n') } : {}),
    };
  }
}

/**
 * A version already in the registry counts as released only with a valid seal: one made
 * around the guard (a plain `npm publish`), or by a key the publisher does not pin, would pass
 * here as "done" while every consumer that requires a seal refuses it. Throws the problem.
 */
async function checkPublishedSeal(pkg: WorkspacePackage, state: RegistryState, trust: Trust | undefined): Promise<void> {
  const label = `${pkg.name}@${pkg.version}`;
  const subject = { package: pkg.name, version: pkg.version, artifact: `${state.registry}${pkg.name}` };
  const seal = await state.client.getVersionSeal(pkg.name, pkg.version, state.registry);
  if (!seal.sealpack) {
    throw new SealError(
      'ESEAL_UNSIGNED',
      `${label} is in ${state.registry} without a seal (published around sealpack): expected dist.sealpack, found none`,
      { ...subject, details: ['consumers that require a seal refuse this version: publish a new version with sealpack'] },
    );
  }
  if (!trust || trust.keys.length === 0) {
    throw new SealError(
      'ESEAL_CONFIG',
      `${label} is in ${state.registry}; its seal cannot be checked: expected the release key pinned in .sealpack/keys, found no pinned key`,
      subject,
    );
  }
  const { checkSeal } = await import('@sealpack/verify');
  const check = await checkSeal({
    trust,
    manifest: Buffer.from(seal.sealpack.manifest, 'utf8'),
    signature: seal.sealpack.signature,
    artifact: subject.artifact,
    expected: { name: pkg.name, version: pkg.version },
  });
  const problem = check.findings.find(blocks);
  if (problem) {
    const said = problem.message.startsWith(`${label}: `) ? problem.message.slice(label.length + 2) : problem.message;
    throw new SealError(problem.code, `${label} is in ${state.registry}, but its seal fails: ${said}`, subject);
  }
  const sealed = check.manifest?.tarball?.integrity;
  if (!sealed || sealed !== seal.integrity) {
    throw new SealError(
      'ESEAL_INTEGRITY',
      `${label} is in ${state.registry}, but its tarball is not the sealed one: expected ${sealed ?? 'a sealed tarball digest'}, found ${seal.integrity ?? 'none'}`,
      { ...subject, expected: sealed, found: seal.integrity },
    );
  }
}
