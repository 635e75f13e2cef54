import { resolve } from 'node:path';
import { startInstalledWorkers } from '@sealpack/verify/installed-workers';
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
    const [{ loadTrust }, { cachedRegistrySeals }, { verifyInstalled }] = await Promise.all([
      import('@sealpack/trust'),
      import('@sealpack/verify/approvals'),
      import('@sealpack/verify/installed'),
    ]);
    // Trust comes from where sealpack runs (or --config), never from the folder under check: its
    // config could name its own keys, and a .sealpackrc.cjs there would run its code.
    const trust = await loadTrust({ cwd: context.cwd, configFile: options.config as string | undefined });
    for (const warning of trust.warnings) context.logger.warn(warning);
    const verdict = await verifyInstalled(dir, {
      trust,
      at,
      logger: context.logger,
      registrySeals: cachedRegistrySeals(dir, context.env),
      hasher: workers,
    });
    return printVerdict(verdict, { json: options.json === true, title: 'sealpack verify-installed' }, context);
  } finally {
    await workers.close();
  }
}
