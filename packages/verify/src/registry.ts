import { SealError } from '@sealpack/diagnostics';
import { documentUrl, type DocumentStore, type VersionSeal } from './cache.js';
import { registryFor, type NpmOptions } from './npmrc.js';

export interface RegistryClientOptions {
  /** From `readNpmConfig`: registry, scoped registries, credentials, ca/cafile, strict-ssl, proxies, retries, timeout. */
  config: NpmOptions;
  /** Further attempts after a 5xx, a 429 or a network error; default npm's `fetch-retries`, else 2. */
  retries?: number;
  /** First backoff delay in ms; default npm's `fetch-retry-mintimeout`, else 250. */
  backoff?: number;
  /**
   * Where package documents are kept between runs (`createSealCache(…).documents`). One kept for
   * less than `freshFor` is used without a request; an older one is revalidated (naming its ETag:
   * a 304 without a body when unchanged), and never used when the registry cannot answer.
   */
  documents?: DocumentStore;
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

/**
 * Whether `url` is on this machine (localhost, 127.0.0.0/8, ::1): its answers are asked for
 * uncompressed. Bytes over the loopback cost nothing, while gzip costs CPU at both ends, on the
 * same cores (a local Verdaccio, 1,000 documents: ~0.45 s of its CPU and ~0.25 s of sealpack's).
 * Any other registry is asked as npm asks it (gzip): there the bytes are what costs.
 */
function onLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
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
    const url = documentUrl(registry, name);
    this.kept.delete(key);
    const pending = this.readDocument(url, ABBREVIATED, reuse, (body: Packument) =>
      Object.fromEntries(
        Object.entries(body.versions ?? {}).flatMap(([version, entry]) => {
          const seal = sealOf(entry);
          return seal ? [[version, seal]] : [];
        }),
      ),
    ).then(
      ({ versions, kept }) => {
        if (kept) this.kept.add(key);
        return new Map(Object.entries(versions));
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
    const url = documentUrl(registry, name);
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
    // Some proxies rebuild `dist` in abbreviated documents: ask for the whole version document,
    // whatever policy makes of an unsealed package. A seal found there is checked like any other
    // (a lockfile naming another tarball fails); taking the stripped copy as "unsealed" would let
    // it pass wherever no rule requires a seal, which is every package under the implicit rule.
    const full = `${url}/${encodeURIComponent(version)}`;
    try {
      const { versions } = await this.readDocument(full, 'application/json', true, (body: VersionDoc) => ({
        [version]: sealOf(body)!,
      }));
      return versions[version] ?? seal;
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
      body = (await (await this.request(url, 'application/json')).json()) as { username?: unknown };
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

  /** One GET with npm's configuration; `etag`: sent as `If-None-Match` (a 304 answers it). */
  private async request(url: string, accept: string, etag?: string) {
    const { config } = this.options;
    const retry = { ...DEFAULT_RETRY, ...(config.retry as object | undefined) };
    if (this.options.retries !== undefined) retry.retries = this.options.retries;
    if (this.options.backoff !== undefined) retry.minTimeout = this.options.backoff;
    // Imported on the first request: npm's fetch stack is some 170 modules, which commands that
    // never ask a registry (verify, verify-installed, a warm verify-lockfile) should not load.
    const { default: npmFetch } = await import('npm-registry-fetch');
    this.requests++;
    // No `cache`: make-fetch-happen's cache rewrites its index on every hit and answers with an
    // old copy when the registry is down; the document store does the keeping (see readDocument).
    // `cache: undefined` also overrides npm's own `cache` folder, which `npm run` passes down as
    // npm_config_cache: a copy from there would answer without the registry (or its TLS checks).
    const headers = {
      accept,
      ...(etag && { 'if-none-match': etag }),
      ...(onLoopback(url) && { 'accept-encoding': 'identity' }),
    };
    return npmFetch(url, { ...config, retry, headers, cache: undefined, preferOffline: false, preferOnline: false });
  }

  /**
   * The seal fields (`reduce` of the body) of the document at `url`. `reuse`: a copy kept for
   * less than `freshFor` answers without a request. An older copy is revalidated with its ETag;
   * when the registry cannot answer, the failure stands: a stale "no seal" or history is never used.
   */
  private async readDocument<T>(
    url: string,
    accept: string,
    reuse: boolean,
    reduce: (body: T) => Record<string, VersionSeal>,
  ): Promise<{ versions: Record<string, VersionSeal>; kept: boolean }> {
    const { documents } = this.options;
    const freshFor = this.options.freshFor ?? FRESH_FOR_MS;
    const now = this.options.now ?? Date.now;
    const stored = documents?.read(url);
    if (reuse && stored) {
      // A copy dated in the future (a clock set back) is not fresh: it is revalidated.
      const age = now() - stored.fetchedAt;
      if (age >= 0 && age < freshFor) return { versions: stored.versions, kept: true };
    }
    const response = await this.request(url, accept, stored?.etag);
    if (response.status === 304) {
      // Only a copy whose ETag was named can be confirmed; a 304 to a request that named none is garbage.
      if (!stored?.etag) throw Object.assign(new Error('HTTP 304 to a request that named no ETag'), { code: 'E304' });
      documents!.write({ ...stored, fetchedAt: now() });
      return { versions: stored.versions, kept: false };
    }
    const versions = reduce((await response.json()) as T);
    const etag = response.headers.get('etag') ?? undefined;
    documents?.write({ url, etag, fetchedAt: now(), versions });
    return { versions, kept: false };
  }
}
