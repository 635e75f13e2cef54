import { loadTrust } from '@sealpack/trust/trust';
import { verifyTarballs } from '@sealpack/verify/tarball';
import type { Context } from '../main.js';
import { parseAt, requirePaths } from '../options.js';
import { printVerdict } from '../report.js';

export async function run(args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  const tarballs = requirePaths(args, 'tarball to verify', context);
  const at = parseAt(options.at);
  const trust = await loadTrust({ cwd: context.cwd, configFile: options.config as string | undefined });
  context.usePolicy?.(trust.policy);
  for (const warning of trust.warnings) context.logger.warn(warning);
  const verdict = await verifyTarballs(tarballs, { trust, at, logger: context.logger });
  return printVerdict(verdict, { json: options.json === true, title: 'sealpack verify' }, context);
}
