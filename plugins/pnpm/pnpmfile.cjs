'use strict';
// The CommonJS entry of @sealpack/pnpm: pnpm `require`s `.pnpmfile.cjs`, while sealpack is
// ESM, so the hook imports it lazily (pnpm awaits async hooks).

/**
 * pnpm hooks for `.pnpmfile.cjs`: `afterAllResolved` verifies every package pnpm resolved
 * against the seal its registry publishes, and throws (aborting the install) on failure.
 * Options: `dir` (the lockfile's folder, pass `__dirname`), `config`, `all`, `registry`.
 */
function sealpackHooks(options = {}) {
  return {
    async afterAllResolved(lockfile, context) {
      const { checkResolvedLockfile } = await import('./dist/index.js');
      await checkResolvedLockfile(lockfile, context, options);
      return lockfile;
    },
  };
}

module.exports = { sealpackHooks };
