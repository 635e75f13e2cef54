import { checkResolvedLockfile, type PnpmHookContext, type PnpmHookOptions } from './hook.js';
import type { PnpmLockfile } from '@sealpack/verify';

/** The same hooks as the CommonJS entry (`require('@sealpack/pnpm')`), for an ESM pnpmfile. */
export function sealpackHooks(options: PnpmHookOptions = {}) {
  return {
    async afterAllResolved<L extends PnpmLockfile>(lockfile: L, context: PnpmHookContext): Promise<L> {
      await checkResolvedLockfile(lockfile, context, options);
      return lockfile;
    },
  };
}
