export { checkResolvedLockfile } from './hook.js';
export type { PnpmHookOptions, PnpmHookContext } from './hook.js';
export { sealpackHooks } from './hooks.js';
