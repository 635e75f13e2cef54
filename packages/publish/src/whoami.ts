import { SealError } from '@sealpack/diagnostics';
import type { NpmOptions } from '@sealpack/verify';

/**
 * Who the registry says we are, as `npm whoami` asks it (`GET /-/whoami` with the
 * credentials npm would send there): the check that a publish will be let in, before any
 * packing. Throws (ESEAL_CONFIG until ESEAL_REGISTRY exists) with the status (401: no or bad token) or network error.
 */
export async function whoami(registry: string, npm: NpmOptions): Promise<string> {
  const { default: npmFetch } = await import('npm-registry-fetch');
  try {
    const body = (await npmFetch.json('/-/whoami', { ...npm, registry, preferOnline: true, cache: undefined })) as {
      username?: unknown;
    };
    if (typeof body.username === 'string' && body.username) return body.username;
    throw new Error('an anonymous user (the registry did not accept our credentials)');
  } catch (error) {
    const e = error as Error & { statusCode?: number; code?: string };
    const found = e.statusCode ? `HTTP ${e.statusCode}` : (e.code ?? e.message.split('\n')[0]);
    throw new SealError('ESEAL_CONFIG', `${registry}: expected to be logged in, found ${found}`, {
      expected: 'a user the registry knows',
      found,
      details:
        e.statusCode === 401
          ? [
              'no valid token for this registry: `npm login --registry …`, or NODE_AUTH_TOKEN with //host/:_authToken=${NODE_AUTH_TOKEN} in .npmrc',
            ]
          : [],
      cause: error,
    });
  }
}
