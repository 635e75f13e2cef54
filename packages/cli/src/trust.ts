import type { Trust } from '@sealpack/trust';
import { loadTrust } from '@sealpack/trust/trust';
import type { Context } from './main.js';

/**
 * The trust of where sealpack runs (or `--config`), never of the folder under check: its config
 * could name its own keys, and a .sealpackrc.cjs there would run its code. Its warnings go to the
 * logger, and its policy to the wrapper, so that the ledger does not search for it again.
 */
export async function loadRunTrust(context: Context, options: Record<string, unknown>): Promise<Trust> {
  const trust = await loadTrust({ cwd: context.cwd, configFile: options.config as string | undefined });
  context.usePolicy?.(trust.policy);
  for (const warning of trust.warnings) context.logger.warn(warning);
  return trust;
}
