import { SealError } from '@sealpack/diagnostics';
import type { VersionSeal } from './cache.js';
import { registryFor, type NpmOptions } from './npmrc.js';

export interface RegistryClientOptions {
  /** From `readNpmConfig`: registry, scoped registries, credentials, ca/cafile, strict-ssl, proxies, retries, timeout. */
  config: NpmOptions;
  /** Further attempts after a 5xx, a 429 or a network error; default npm's `fetch-retries`, else 2. */
  retries?: number;
  /** First backoff delay in ms; default npm's `fetch-retry-mintimeout`, else 250. */
  backoff?: number;
  /**
   * A folder for npm's HTTP cache (make-fetch-happen's). A package document kept there for less
   * than `freshFor` is used without a request; an older one is revalidated (preferOnline, naming
   * its ETag: a 304 without a body when unchanged), and never used when the registry cannot answer.
   */
  httpCache?: string;
  /** How long a kept package document is used without asking again; default `FRESH_FOR_MS`. */
  freshFor?: number;
  /** The clock for `freshFor` (tests move it); default `Date.now`. */
  now?: () => number;
}

/**
 * Five minutes, the max-age npm's registry gives package documents: within it npm itself uses
 * its copy without asking. A seal added, or a version published, in that time is seen by the
 * first run after it; the registry's history (downgrade protection) is never older than this.
 */
export const FRESH_FOR_MS = 5 * 60_000;

/**
 * Retries when npm's config sets none. npm's own defaults wait 10 s, then 60 s: sealpack runs
 * before an install, on one package document per name, so it gives up sooner.
 */
const DEFAULT_RETRY = { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 4_000 };

const ABBREVIATED = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';

type VersionDoc = { dist?: { integrity?: unknown; sealpack?: { manifest?: unknown; signature?: unknown } } };
type Packument = { versions?: Record<string, VersionDoc> };

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

/** What went wrong, short, for messages and per-cause hints: `HTTP 401`, `ECONNREFUSED`, `SELF_SIGNED_CERT_IN_CHAIN`. */
export function registryCause(error: unknown): string {
  const e = error as { statusCode?: number; code?: string; cause?: { code?: string }; name?: string };
  if (typeof e.statusCode === 'number') return `HTTP ${e.statusCode}`;
  return e.code ?? e.cause?.code ?? e.name ?? 'EFETCH';
}

/** A registry failure as the `ESEAL_REGISTRY` error naming the package, the URL and the cause. */
export function registryError(label: string, url: string, error: unknown, more: { package?: string; version?: string } = {}) {
  const cause = registryCause(error);
  const said = (error as { body?: { error?: unknown } }).body?.error;
  return new SealError(
    'ESEAL_REGISTRY',
    `${label}: could not read its registry metadata: ${cause} from ${url}${typeof said === 'string' ? ` (${said})` : ''}`,
    { ...more, artifact: url, found: cause, cause: error },
  );
}

/**
 * The one registry client: reads package documents with npm-registry-fetch, so npm's
 * configuration applies as npm applies it (registry and scoped registries, nerf-darted
 * credentials, `ca`/`cafile`, `strict-ssl`, proxies, `fetch-retries`, `fetch-timeout`). A
 * package's document is fetched once however many of its versions are asked for, and only
 * the seal fields are kept. Failures are `ESEAL_REGISTRY`: nothing could be checked.
 */
export class RegistryClient {
  /** Requests sent (first attempts), for tests and benchmarks. */
  requests = 0;
  private readonly docs = new Map<string, Promise<Map<string, VersionSeal> | undefined>>();
  /** Documents answered by a copy kept in the freshness window, not by the registry this run. */
  private readonly kept = new Set<string>();

  constructor(private readonly options: RegistryClientOptions) {}

  registryFor(name: string, publishConfig?: { registry?: string }): string {
    return registryFor(name, this.options.config, publishConfig);
  }

  /**
   * Every version of `name` in its registry with its seal data, or `undefined` when the
   * registry has no such package (HTTP 404). Other failures throw `ESEAL_REGISTRY`. With a
   * `version`, a copy kept from an earlier run that does not list it (published since) is
   * not used: the registry is asked.
   */
  async versionsOf(
    name: string,
    registry = this.registryFor(name),
    version?: string,
  ): Promise<Map<string, VersionSeal> | undefined> {
    const key = `${registry}\n${name}`;
    let pending = this.docs.get(key);
    if (!pending) pending = this.load(key, registry, name, true);
    const versions = await pending;
    if (version === undefined || versions?.has(version) || !this.kept.has(key)) return versions;
    return this.load(key, registry, name, false);
  }

  private load(key: string, registry: string, name: string, reuse: boolean) {
    const url = this.urlOf(registry, name);
    this.kept.delete(key);
    const pending = this.fetchJson<Packument>(url, ABBREVIATED, reuse).then(
      ({ body, kept }) => {
        if (kept) this.kept.add(key);
        return new Map(Object.entries(body.versions ?? {}).map(([version, entry]) => [version, sealOf(entry)!]));
      },
      (error: unknown) => {
        if ((error as { statusCode?: number }).statusCode === 404) return undefined;
        throw registryError(name, url, error, { package: name });
      },
    );
    // A failure is not remembered: the next version of the same package tries again.
    pending.catch(() => this.docs.delete(key));
    this.docs.set(key, pending);
    return pending;
  }

  /** Whether `name@version` is in `registry` (a 404 means not yet). */
  async hasVersion(name: string, version: string, registry?: string): Promise<boolean> {
    return (await this.versionsOf(name, registry, version))?.has(version) === true;
  }

  /**
   * `name@version`'s seal data, `undefined` seal when the version has none. Throws
   * `ESEAL_REGISTRY` when the registry cannot answer or does not have that version.
   */
  async getVersionSeal(name: string, version: string, registry = this.registryFor(name)): Promise<VersionSeal> {
    const label = `${name}@${version}`;
    const url = this.urlOf(registry, name);
    let versions: Map<string, VersionSeal> | undefined;
    try {
      versions = await this.versionsOf(name, registry, version);
    } catch (error) {
      // Re-labelled with the version asked for.
      throw registryError(label, url, (error as SealError).cause ?? error, { package: name, version });
    }
    const seal = versions?.get(version);
    if (!seal)
      throw new SealError('ESEAL_REGISTRY', `${label}: the registry ${registry} has no such version`, {
        package: name,
        version,
        artifact: url,
        expected: version,
        found: versions ? [...versions.keys()].slice(-5).join(', ') || 'no versions' : 'HTTP 404',
      });
    if (seal.sealpack) return seal;
    // Some proxies rebuild `dist` in abbreviated documents: ask for the whole version document.
    const full = `${url}/${encodeURIComponent(version)}`;
    try {
      return sealOf((await this.fetchJson<VersionDoc>(full, 'application/json', true)).body) ?? seal;
    } catch (error) {
      throw registryError(label, full, error, { package: name, version });
    }
  }

  /**
   * Who `registry` says we are, as `npm whoami` asks it (`GET /-/whoami` with the credentials
   * npm would send there). An anonymous answer or a 401 is `ESEAL_REGISTRY` (not logged in).
   */
  async whoami(registry = this.options.config.registry): Promise<string> {
    const url = `${registry}-/whoami`;
    let body: { username?: unknown };
    try {
      body = (await this.fetchJson<{ username?: unknown }>(url, 'application/json')).body;
    } catch (error) {
      const cause = registryCause(error);
      throw new SealError('ESEAL_REGISTRY', `${registry}: expected to be logged in, found ${cause}`, {
        artifact: url,
        found: cause,
        cause: error,
      });
    }
    if (typeof body.username === 'string' && body.username) return body.username;
    throw new SealError('ESEAL_REGISTRY', `${registry}: expected to be logged in, found an anonymous user`, {
      artifact: url,
      expected: 'a user the registry knows',
      found: 'an anonymous user (the registry did not accept our credentials)',
    });
  }

  private urlOf(registry: string, name: string): string {
    return `${registry}${name.replace('/', '%2f')}`;
  }

  /** `reuse`: a package document, which a copy kept for less than `freshFor` may answer. */
  private async fetchJson<T>(url: string, accept: string, reuse = false): Promise<{ body: T; kept: boolean }> {
    const { config, httpCache } = this.options;
    const retry = { ...DEFAULT_RETRY, ...(config.retry as object | undefined) };
    if (this.options.retries !== undefined) retry.retries = this.options.retries;
    if (this.options.backoff !== undefined) retry.minTimeout = this.options.backoff;
    // Imported on the first request: npm's fetch stack is some 170 modules, which commands that
    // never ask a registry (verify, verify-installed) should not load.
    const { default: npmFetch } = await import('npm-registry-fetch');
    const options = { ...config, retry, headers: { accept }, cache: httpCache };
    const freshFor = this.options.freshFor ?? FRESH_FOR_MS;
    const now = this.options.now ?? Date.now;
    // When make-fetch-happen last had this copy from the registry (a 304 renews it).
    const ageOf = (response: { headers: { get(name: string): string | null } }) =>
      now() - Date.parse(response.headers.get('x-local-cache-time') ?? '');
    if (reuse && httpCache && freshFor > 0) {
      // offline: the kept copy or ENOTCACHED, no request. A revalidation costs a request and a
      // rewrite of the cache's index; within the window the copy answers for itself.
      const kept = await npmFetch(url, { ...options, offline: true }).catch(() => undefined);
      const age = kept ? ageOf(kept) : NaN;
      if (kept && age >= 0 && age < freshFor) return { body: (await kept.json()) as T, kept: true };
    }
    this.requests++;
    const response = await npmFetch(url, { ...options, preferOnline: true });
    // make-fetch-happen answers with its old copy when the registry cannot be reached: older
    // than the window, that would be a stale "no seal" or history, so the failure stands.
    if (response.headers.get('x-local-cache-status') === 'stale' && !(ageOf(response) < freshFor)) {
      throw Object.assign(new Error(`the registry did not answer, and the copy kept is older than ${freshFor / 1000} s`), {
        code: 'ESTALE',
      });
    }
    return { body: (await response.json()) as T, kept: false };
  }
}
