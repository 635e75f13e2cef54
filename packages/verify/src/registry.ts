import { setTimeout as sleep } from 'node:timers/promises';
import { SealError } from '@sealpack/diagnostics';
import type { VersionSeal } from './cache.js';
import { authorizationFor, registryFor, type NpmOptions } from './npmrc.js';

export interface RegistryClientOptions {
  config: NpmOptions;
  /** Further attempts after a 5xx, a 429 or a network error; default 2. */
  retries?: number;
  /** First backoff delay in ms, doubled each retry; default 250. */
  backoff?: number;
  /** Per-request timeout in ms; default 30 s. */
  timeout?: number;
  userAgent?: string;
}

const ABBREVIATED = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';
const TRANSIENT = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'ABORT_ERR',
  'TimeoutError',
]);

type VersionDoc = { dist?: { integrity?: unknown; sealpack?: { manifest?: unknown; signature?: unknown } } };
type Packument = { versions?: Record<string, VersionDoc> };

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
  ) {
    super(`HTTP ${status}`);
  }
}

/** The code of a network error as fetch (undici) reports it: ECONNREFUSED, ECONNRESET… */
function networkCode(error: unknown): string {
  const e = error as { code?: string; name?: string; cause?: { code?: string; errors?: { code?: string }[] } };
  return e.cause?.code ?? e.cause?.errors?.[0]?.code ?? e.code ?? e.name ?? 'EFETCH';
}

/** The seal data of a version document: its `dist.integrity` and `dist.sealpack`, nothing else. */
function sealOf(doc: VersionDoc | undefined): VersionSeal | undefined {
  if (!doc) return undefined;
  const dist = doc.dist ?? {};
  const sealpack = dist.sealpack;
  return {
    integrity: typeof dist.integrity === 'string' ? dist.integrity : undefined,
    sealpack:
      sealpack && typeof sealpack.manifest === 'string'
        ? { manifest: sealpack.manifest, signature: typeof sealpack.signature === 'string' ? sealpack.signature : undefined }
        : undefined,
  };
}

/**
 * Reads version metadata from the registry npm's configuration names for each package, with
 * its credentials, retrying transient failures with exponential backoff. A package's document
 * is fetched once however many of its versions are asked for, and only the seal fields are kept.
 */
export class RegistryClient {
  /** Requests sent, for tests and benchmarks. */
  requests = 0;
  private readonly docs = new Map<string, Promise<Map<string, VersionSeal>>>();

  constructor(private readonly options: RegistryClientOptions) {}

  registryFor(name: string): string {
    return registryFor(name, this.options.config);
  }

  /**
   * `name@version`'s seal data, `undefined` seal when the version has none. Throws a
   * `SealError` (`ESEAL_CONFIG`: the input could not be read) when the registry cannot answer.
   */
  async getVersionSeal(name: string, version: string): Promise<VersionSeal> {
    const registry = this.registryFor(name);
    const base = `${registry}${name.replace('/', '%2f')}`;
    try {
      const versions = await this.versionsOf(name, base);
      const seal = versions.get(version);
      if (!seal)
        throw new SealError('ESEAL_CONFIG', `${name}@${version}: the registry ${registry} has no such version`, {
          package: name,
          version,
          expected: version,
          found: [...versions.keys()].slice(-5).join(', ') || 'no versions',
        });
      if (seal.sealpack) return seal;
      // Some proxies rebuild `dist` in abbreviated documents: ask for the whole version document.
      return sealOf(await this.fetchJson<VersionDoc>(`${base}/${encodeURIComponent(version)}`, 'application/json')) ?? seal;
    } catch (error) {
      if (error instanceof SealError) throw error;
      const what = error instanceof HttpError ? `HTTP ${error.status} from ${error.url}` : `${networkCode(error)} from ${base}`;
      throw new SealError('ESEAL_CONFIG', `${name}@${version}: could not read its registry metadata: ${what}`, {
        package: name,
        version,
        artifact: base,
        cause: error,
      });
    }
  }

  private versionsOf(name: string, url: string): Promise<Map<string, VersionSeal>> {
    let pending = this.docs.get(name);
    if (!pending) {
      pending = this.fetchJson<Packument>(url, ABBREVIATED).then((doc) => {
        const versions = new Map<string, VersionSeal>();
        for (const [version, entry] of Object.entries(doc.versions ?? {})) versions.set(version, sealOf(entry)!);
        return versions;
      });
      // A failure is not remembered: the next version of the same package tries again.
      pending.catch(() => this.docs.delete(name));
      this.docs.set(name, pending);
    }
    return pending;
  }

  private async fetchJson<T>(url: string, accept: string): Promise<T> {
    const { retries = 2, backoff = 250, timeout = 30_000 } = this.options;
    const headers: Record<string, string> = { accept, 'user-agent': this.options.userAgent ?? 'sealpack' };
    const authorization = authorizationFor(this.options.config, url);
    if (authorization) headers.authorization = authorization;
    for (let attempt = 0; ; attempt++) {
      try {
        this.requests++;
        const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeout) });
        if (response.ok) return (await response.json()) as T;
        await response.body?.cancel();
        throw new HttpError(response.status, url);
      } catch (error) {
        const transient =
          error instanceof HttpError ? error.status >= 500 || error.status === 429 : TRANSIENT.has(networkCode(error));
        if (!transient || attempt >= retries) throw error;
        await sleep(backoff * 2 ** attempt * (0.75 + Math.random() * 0.5));
      }
    }
  }
}
