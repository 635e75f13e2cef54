import { mapLimit, silentLogger, type Logger } from '@sealpack/diagnostics';
import type { Signer } from '@sealpack/openpgp';
import type { Trust } from '@sealpack/trust';
import { createGitTags } from './git.js';
import { RegistryClient, registryFor, type NpmOptions } from '@sealpack/verify';
import { isPrerelease, publishDirectory } from './publish.js';
import { checkSignerNotRevoked } from './sealed.js';
import { orderByDependencies, readPreModeTag, readWorkspace, type WorkspacePackage } from './workspace.js';

export interface ReleaseOptions {
  signer: Signer;
  /** npm options for a package folder (its .npmrc, the root's, the user's, env, flags). */
  npmFor(pkg: { dir: string; root: string }): NpmOptions;
  trust?: Trust;
  tag?: string;
  access?: string;
  otp?: string;
  dryRun?: boolean;
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
}

export interface ReleaseResult {
  ok: boolean;
  outcomes: ReleaseOutcome[];
  gitTags: string[];
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
  const preTag = await readPreModeTag(workspace.root);
  // Ask the registries about every package at once (a few hundred ms each on a real
  // registry); publishing itself stays sequential, dependencies first.
  const npmFor = new Map(publishable.map((p) => [p.name, options.npmFor({ dir: p.dir, root: workspace.root })]));
  const checks = new Map(
    await mapLimit(publishable, CHECK_CONCURRENCY, async (pkg) => {
      const npm = npmFor.get(pkg.name)!;
      const registry = registryFor(pkg.name, npm, pkg.packageJson.publishConfig as { registry?: string } | undefined);
      const state = await isPublished(pkg, registry, npm).then(
        (exists): RegistryState => ({ registry, npm, exists }),
        (error: Error): RegistryState => ({ registry, npm, error }),
      );
      return [pkg.name, state] as const;
    }),
  );
  const outcomes = new Map<string, ReleaseOutcome>();
  for (const pkg of orderByDependencies(publishable)) {
    const blocked = pkg.workspaceDependencies.find((d) => ['failed', 'skipped'].includes(outcomes.get(d)?.status ?? ''));
    const tag = options.tag ?? (preTag && isPrerelease(pkg.version) ? preTag : undefined);
    if (blocked) {
      outcomes.set(pkg.name, {
        name: pkg.name,
        version: pkg.version,
        status: 'skipped',
        reason: `its dependency ${blocked} was not published`,
      });
      continue;
    }
    outcomes.set(pkg.name, await releaseOne(pkg, checks.get(pkg.name)!, tag, options, logger));
  }
  const list = [...outcomes.values()];
  const published = list.filter((o) => o.status === 'published');
  let gitTags: string[] = [];
  if (!options.dryRun && options.gitTag !== false && published.length > 0) {
    // As changesets names them: `v1.2.3` for a single-package repository, `name@version` in a workspace.
    const tagOf = (o: ReleaseOutcome) => (workspace.tool === 'root' ? `v${o.version}` : `${o.name}@${o.version}`);
    const tags = await createGitTags(published.map(tagOf), workspace.root);
    gitTags = tags.created;
    for (const tag of tags.failed) logger.warn(`could not create the git tag ${tag}`);
    if (!tags.checkout) logger.info(`${workspace.root} is not a git checkout: no git tags made`);
  }
  return {
    ok: list.every((o) => o.status === 'published' || o.status === 'exists'),
    outcomes: list,
    gitTags,
    dryRun: options.dryRun === true,
  };
}

const CHECK_CONCURRENCY = 8;

interface RegistryState {
  registry: string;
  npm: NpmOptions;
  exists?: boolean;
  error?: Error;
}

async function releaseOne(
  pkg: WorkspacePackage,
  state: RegistryState,
  tag: string | undefined,
  options: ReleaseOptions,
  logger: Logger,
): Promise<ReleaseOutcome> {
  const { registry, npm } = state;
  const base = { name: pkg.name, version: pkg.version, registry };
  try {
    if (state.error) throw state.error;
    if (state.exists) return { ...base, status: 'exists' };
    const result = await publishDirectory(pkg.dir, {
      signer: options.signer,
      npm,
      trust: options.trust,
      tag,
      access: options.access,
      otp: options.otp,
      dryRun: options.dryRun,
      env: options.env,
      ignoreScripts: options.ignoreScripts,
      logger,
    });
    return { ...base, status: 'published', tag: result.tag };
  } catch (error) {
    const reason = (error as Error).message;
    logger.warn(reason);
    return { ...base, status: 'failed', reason };
  }
}

/** Whether `name@version` is in its registry (a 404 means not yet); failures are ESEAL_REGISTRY. */
async function isPublished(pkg: WorkspacePackage, registry: string, npm: NpmOptions): Promise<boolean> {
  return new RegistryClient({ config: npm }).hasVersion(pkg.name, pkg.version, registry);
}
