import { resolve } from 'node:path';
import type { Finding } from '@sealpack/diagnostics';
import type { Verdict } from '@sealpack/verify';
import type { RegistrySealLookup } from '@sealpack/verify/approvals';
import { startInstalledWorkers } from '@sealpack/verify/installed-workers';
import { NO_REGISTRY_SEAL } from '../hints.js';
import type { Context } from '../main.js';
import { parseAt } from '../options.js';
import { printVerdict } from '../report.js';

export async function run(args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  const dir = resolve(context.cwd, typeof args[0] === 'string' ? args[0] : '.');
  const at = parseAt(options.at);
  // The workers start first and examine the first packages while this thread loads the rest
  // (OpenPGP.js, the trust); verifyInstalled closes them, and so does any failure before it.
  const workers = startInstalledWorkers(dir);
  try {
    const [{ loadRunTrust }, { cachedRegistrySeals }, { verifyInstalled }] = await Promise.all([
      import('../trust.js'),
      import('@sealpack/verify/approvals'),
      import('@sealpack/verify/installed'),
    ]);
    const trust = await loadRunTrust(context, options);
    const cached = cachedRegistrySeals(dir, context.env);
    const uncached = new Set<string>();
    const registrySeals: RegistrySealLookup = async (name, version) => {
      const seal = await cached(name, version);
      if (!seal) uncached.add(`${name}@${version}`);
      return seal;
    };
    const verdict = await verifyInstalled(dir, { trust, at, logger: context.logger, registrySeals, hasher: workers });
    return printVerdict(
      sayWhereApprovalsAre(verdict, uncached),
      { json: options.json === true, title: 'sealpack verify-installed' },
      context,
    );
  } finally {
    await workers.close();
  }
}

/**
 * Approvals travel in the registry seal (an embedded seal cannot carry an approval of the bytes
 * that contain it), which verify-installed reads only from verify-lockfile's cache. A package
 * with none cached fails its approvals rule; its finding says why, so the hint sends the user to
 * verify-lockfile rather than to an approver. The verdict is unchanged: same codes, same severities.
 */
function sayWhereApprovalsAre(verdict: Verdict, uncached: ReadonlySet<string>): Verdict {
  const explain = (f: Finding): Finding =>
    f.code === 'ESEAL_APPROVAL' && uncached.has(`${f.package}@${f.version}`)
      ? { ...f, message: `${f.message}; no registry seal of it is cached`, found: NO_REGISTRY_SEAL }
      : f;
  if (!verdict.findings.some((f) => explain(f) !== f)) return verdict;
  return {
    ...verdict,
    subjects: verdict.subjects.map((s) => ({ ...s, findings: s.findings.map(explain) })),
    findings: verdict.findings.map(explain),
  };
}
