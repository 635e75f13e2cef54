import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The part of npm's configuration that says where a package's metadata comes from, and how to log in. */
export interface NpmConfig {
  /** Default registry, ending with `/`. */
  registry: string;
  /** `@scope` → registry, each ending with `/`. */
  scopes: Map<string, string>;
  /** Nerf-darted keys (`//host:port/path/:_authToken`) → value, as npm writes them in `.npmrc`. */
  credentials: Map<string, string>;
}

export const DEFAULT_REGISTRY = 'https://registry.npmjs.org/';

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);

/** `${VAR}` and `${VAR?}` in `.npmrc` values, as npm expands them. */
const expand = (value: string, env: NodeJS.ProcessEnv) =>
  value.replace(/\$\{([^}?]+)(\?)?\}/g, (whole, name: string, optional?: string) => env[name] ?? (optional ? '' : whole));

/** Parses an ini-style `.npmrc`: `key=value` lines, `;`/`#` comments, optional quotes. */
export function parseNpmrc(text: string, env: NodeJS.ProcessEnv): Map<string, string> {
  const values = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith(';') || line.startsWith('#') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const unquote = (s: string) =>
      s
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .replace(/^'(.*)'$/, '$1');
    values.set(expand(unquote(line.slice(0, eq)), env), expand(unquote(line.slice(eq + 1)), env));
  }
  return values;
}

async function readNpmrc(path: string, env: NodeJS.ProcessEnv): Promise<Map<string, string>> {
  try {
    return parseNpmrc(await readFile(path, 'utf8'), env);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
}

/**
 * Reads npm's configuration the way npm resolves registries: `--registry` first, then
 * `npm_config_*` environment variables (set by npm and pnpm for lifecycle scripts), then the
 * project's `.npmrc`, then the user's (`NPM_CONFIG_USERCONFIG` or `~/.npmrc`). As with npm,
 * `--registry` sets the default registry only: scoped registries still win for their scopes.
 * The global npmrc (`$PREFIX/etc/npmrc`) is not read.
 */
export async function readNpmConfig(dir: string, env: NodeJS.ProcessEnv = process.env, registry?: string): Promise<NpmConfig> {
  const userconfig = env.NPM_CONFIG_USERCONFIG ?? env.npm_config_userconfig ?? join(homedir(), '.npmrc');
  const layers = [await readNpmrc(userconfig, env), await readNpmrc(join(dir, '.npmrc'), env)];
  const fromEnv = new Map<string, string>();
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || !/^npm_config_/i.test(key)) continue;
    // As npm reads them: nerf-darted keys (`npm_config_//host/:_authToken`) verbatim, since
    // credentials are matched case-sensitively (`_authToken`); other names lower-cased.
    const name = key.slice('npm_config_'.length);
    fromEnv.set(name.startsWith('//') ? name : name.toLowerCase(), value);
  }
  layers.push(fromEnv);
  if (registry) layers.push(new Map([['registry', registry]]));
  const merged = new Map<string, string>();
  for (const layer of layers) for (const [key, value] of layer) merged.set(key, value);

  const scopes = new Map<string, string>();
  const credentials = new Map<string, string>();
  for (const [key, value] of merged) {
    const scoped = /^(@[^:]+):registry$/.exec(key);
    if (scoped) scopes.set(scoped[1]!, withSlash(value));
    else if (key.startsWith('//')) credentials.set(key, value);
  }
  return { registry: withSlash(merged.get('registry') || DEFAULT_REGISTRY), scopes, credentials };
}

/** The registry npm would ask for `name`: its scope's, else the default. */
export function registryFor(config: NpmConfig, name: string): string {
  const scope = name.startsWith('@') ? name.slice(0, name.indexOf('/')) : undefined;
  return (scope && config.scopes.get(scope)) || config.registry;
}

/**
 * The `Authorization` header npm would send to `url`: credentials keyed by the longest
 * nerf-darted prefix (`//host:port/path/`) of the URL; `_authToken` (Bearer), `_auth` or
 * `username` + `_password` (Basic). Never sent to another host.
 */
export function authorizationFor(config: NpmConfig, url: string): string | undefined {
  const parsed = new URL(url);
  let path = `//${parsed.host}${parsed.pathname}`;
  for (;;) {
    const base = path.endsWith('/') ? path : path.slice(0, path.lastIndexOf('/') + 1);
    const get = (field: string) => config.credentials.get(`${base}:${field}`);
    const token = get('_authToken');
    if (token) return `Bearer ${token}`;
    const auth = get('_auth');
    if (auth) return `Basic ${auth}`;
    const username = get('username');
    const password = get('_password');
    if (username && password)
      return `Basic ${Buffer.from(`${username}:${Buffer.from(password, 'base64').toString('utf8')}`).toString('base64')}`;
    if (base === `//${parsed.host}/`) return undefined;
    path = base.slice(0, -1);
  }
}
