import { resolve } from 'node:path';
import { loadTrust } from '@sealpack/trust/trust';
import { verifyLockfile } from '@sealpack/verify/lockfile';
import type { Context } from '../main.js';
import { parseAt } from '../options.js';
import { printVerdict } from '../report.js';

export async function run(args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  const dir = resolve(context.cwd, typeof args[0] === 'string' ? args[0] : '.');
  const at = parseAt(options.at);
  // Trust comes from where sealpack runs (or --config), never from the folder under check: its
  // config could name its own keys, and a .sealpackrc.cjs there would run its code.
  const trust = await loadTrust({ cwd: context.cwd, configFile: options.config as string | undefined });
  context.usePolicy?.(trust.policy);
  for (const warning of trust.warnings) context.logger.warn(warning);
  const verdict = await verifyLockfile(dir, {
    trust,
    at,
    all: options.all === true,
    registry: typeof options.registry === 'string' ? options.registry : undefined,
    cache: options.cache === false ? false : undefined,
    env: context.env,
    logger: context.logger,
  });
  return printVerdict(verdict, { json: options.json === true, title: 'sealpack verify-lockfile' }, context);
}
