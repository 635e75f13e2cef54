import { createSealCache, defaultCacheDir } from './cache.js';
import { readNpmConfig, registryFor } from './npmrc.js';

export type RegistrySealLookup = (
  name: string,
  version: string,
) => Promise<{ manifest: Uint8Array; signature: string; artifact: string } | undefined>;

/**
 * The registry seals verify-lockfile cached for the project in `dir` (same cache, same registry
 * resolution), for verify-installed to take approvals from. Nothing is fetched: a seal not
 * cached is no approval, and the rule that asks for one fails (ESEAL_APPROVAL).
 */
export function cachedRegistrySeals(dir: string, env: NodeJS.ProcessEnv = process.env, cacheDir?: string): RegistrySealLookup {
  const cache = createSealCache(cacheDir ?? defaultCacheDir(env), dir);
  let config: ReturnType<typeof readNpmConfig> | undefined;
  return async (name, version) => {
    config ??= readNpmConfig({ cwd: dir, env });
    const registry = registryFor(name, config);
    const seal = await cache.get(registry, name, version);
    if (!seal?.sealpack?.signature) return undefined;
    return {
      manifest: Buffer.from(seal.sealpack.manifest, 'utf8'),
      signature: seal.sealpack.signature,
      artifact: `${registry} dist.sealpack of ${name}@${version}`,
    };
  };
}
