import { join } from 'node:path';
import { SealError, type Finding } from '@sealpack/diagnostics';
import { loadTrust } from '@sealpack/trust';
import { lockedFromPnpm, verifyLockedPackages, type PnpmLockfile, type Verdict } from '@sealpack/verify';

export interface PnpmHookOptions {
  /** The folder of the lockfile and of `.pnpmfile.cjs` (pass `__dirname`); default the working directory. */
  dir?: string;
  /** Policy file; default searched from `dir` up. */
  config?: string;
  /** Every resolved package, not only those policy requires a seal for. */
  all?: boolean;
  /** Registry for every package; default npm's configuration (`.npmrc`, scopes, auth). */
  registry?: string;
}

/** What pnpm passes hooks as their second argument. */
export interface PnpmHookContext {
  log?(message: string): void;
}

const line = (f: Finding) => `${f.severity} ${f.code}: ${f.message}`;

/**
 * Checks the lockfile pnpm resolved (the object `afterAllResolved` receives) against registry
 * seals; resolves when it passes, throws a `SealError` listing every error otherwise, which
 * makes pnpm abort the install before any package is fetched or any script runs.
 */
export async function checkResolvedLockfile(
  lockfile: PnpmLockfile,
  context: PnpmHookContext = {},
  options: PnpmHookOptions = {},
): Promise<Verdict> {
  const dir = options.dir ?? process.cwd();
  const trust = await loadTrust({ cwd: dir, configFile: options.config });
  const log = (message: string) => context.log?.(`sealpack: ${message}`);
  for (const warning of trust.warnings) log(`warning: ${warning}`);
  const locked = lockedFromPnpm(lockfile, join(dir, 'pnpm-lock.yaml'));
  const verdict = await verifyLockedPackages(locked, dir, { trust, all: options.all, registry: options.registry });
  for (const finding of verdict.findings) if (finding.severity === 'warning') log(line(finding));
  const errors = verdict.findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) {
    const first = errors[0]!;
    const error = new SealError(
      first.code,
      `sealpack: ${verdict.summary.failed} of ${verdict.summary.checked} resolved packages failed verification; the install is stopped:\n${errors.map(line).join('\n')}`,
      { package: first.package, version: first.version },
    );
    // pnpm prints the stack of a hook's error: for a verdict, the findings are the whole story.
    error.stack = `${error.name}: ${error.message}`;
    throw error;
  }
  log(`${verdict.summary.passed} resolved packages verified against their registry seals`);
  return verdict;
}
