import { resolve } from 'node:path';
import { verifyLockfile } from '@sealpack/verify/lockfile';
import type { Context } from '../main.js';
import { parseAt } from '../options.js';
import { printVerdict } from '../report.js';
import { loadRunTrust } from '../trust.js';

export async function run(args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  const dir = resolve(context.cwd, typeof args[0] === 'string' ? args[0] : '.');
  const at = parseAt(options.at);
  const trust = await loadRunTrust(context, options);
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
