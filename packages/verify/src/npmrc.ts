import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'ini';
import { MAX_CONFIG_BYTES, readRegularFileSync, SealError } from '@sealpack/diagnostics';

/**
 * Flat npm options as npm-registry-fetch and libnpmpublish read them: `registry`,
 * `@scope:registry`, `//host/path/:_authToken` (and `:_auth`, `:username`/`:_password`),
 * plus the few fetch settings mapped to their option names.
 */
export type NpmOptions = Record<string, unknown> & { registry: string };

export const DEFAULT_REGISTRY = 'https://registry.npmjs.org/';

export interface ReadNpmConfigOptions {
  /** The package folder. Its nearest `.npmrc` (up to `root`) is the project config. */
  cwd: string;
  /** The workspace root: its `.npmrc` applies below the package's own (as pnpm reads both). */
  root?: string;
  env?: NodeJS.ProcessEnv;
  /** Command-line settings (`--registry`): they win over every file. */
  flags?: Record<string, string | undefined>;
}

/**
 * Reads npm configuration the way npm does, for what publishing needs: the project
 * `.npmrc`, the user's (`npm_config_userconfig` or `~/.npmrc`), an explicit global one
 * (`npm_config_globalconfig`), then `npm_config_*` environment variables, then flags, each
 * layer overriding the previous; `${VAR}` in keys and values expands from the environment
 * (`${VAR?}` to "" when unset), so `//host/:_authToken=${NODE_AUTH_TOKEN}` works as in
 * npm. Not read: npm's builtin config and `$PREFIX/etc/npmrc` when not named explicitly.
 */
export function readNpmConfig(options: ReadNpmConfigOptions): NpmOptions {
  const env = options.env ?? process.env;
  const layers: Record<string, unknown>[] = [];
  const globalFile = envValue(env, 'globalconfig');
  if (globalFile) layers.push(readIni(globalFile, env));
  layers.push(readIni(envValue(env, 'userconfig') ?? join(env.HOME || homedir(), '.npmrc'), env));
  for (const file of projectFiles(resolve(options.cwd), options.root && resolve(options.root))) layers.push(readIni(file, env));
  layers.push(readEnv(env));
  const flags = Object.fromEntries(Object.entries(options.flags ?? {}).filter(([, v]) => v !== undefined));
  layers.push(flags);
  const raw: Record<string, unknown> = Object.assign({}, ...layers);
  return toFetchOptions(raw, resolve(options.cwd), env);
}

// npm reads one project file, at the nearest folder with a package.json (its "local
// prefix"); in a workspace, pnpm also reads the root's, under the package's own.
function projectFiles(cwd: string, root: string | undefined): string[] {
  let prefix = cwd;
  for (let dir = cwd; dirname(dir) !== dir; dir = dirname(dir)) {
    if (hasFile(join(dir, 'package.json'))) {
      prefix = dir;
      break;
    }
  }
  const files = [join(prefix, '.npmrc')];
  if (root && root !== prefix) files.unshift(join(root, '.npmrc'));
  return files;
}

function hasFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function envValue(env: NodeJS.ProcessEnv, key: string): string | undefined {
  for (const [name, value] of Object.entries(env)) if (name.toLowerCase() === `npm_config_${key}` && value) return value;
  return undefined;
}

/** `${VAR}` → its value (left as is when unset); `${VAR?}` → its value or "". */
export function expandEnv(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/(\\*)\$\{([^${}?]+)(\?)?\}/g, (whole, escapes: string, name: string, optional?: string) => {
    // An odd number of backslashes escapes the `$`.
    if (escapes.length % 2 === 1) return whole.slice(1);
    const value = env[name];
    if (value === undefined) return optional ? escapes : whole;
    return escapes + value;
  });
}

function readIni(file: string, env: NodeJS.ProcessEnv): Record<string, unknown> {
  // Only a regular file within its bound (a FIFO would block); one that is missing is no config.
  const bytes = readRegularFileSync(file, {
    maxBytes: MAX_CONFIG_BYTES,
    code: 'ESEAL_CONFIG',
    what: 'an npm config file',
    optional: true,
  });
  if (!bytes) return {};
  const text = bytes.toString('utf8');
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parse(text))) {
    // ini turns `[section]` into objects; npm config has no sections.
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) continue;
    out[expandEnv(key, env)] = typeof value === 'string' ? expandEnv(value, env) : value;
  }
  return out;
}

// `npm_config_foo_bar=1` → `foo-bar`; nerf-darted keys (`npm_config_//host/:_authToken`) stay as written.
function readEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !/^npm_config_/i.test(name)) continue;
    const rest = name.slice('npm_config_'.length);
    const key = rest.startsWith('//') ? rest : rest.toLowerCase().replace(/(?!^)_/g, '-');
    out[key] = value;
  }
  return out;
}

const number = (value: unknown): number | undefined => (value === undefined || value === '' ? undefined : Number(value));
const bool = (value: unknown): boolean | undefined => (value === undefined ? undefined : value === true || value === 'true');

function toFetchOptions(raw: Record<string, unknown>, cwd: string, env: NodeJS.ProcessEnv): NpmOptions {
  const registry = withSlash(String(raw.registry || DEFAULT_REGISTRY));
  const options: NpmOptions = { ...raw, registry };
  for (const key of Object.keys(raw)) if (/^@[^:]+:registry$/.test(key)) options[key] = withSlash(String(raw[key]));
  const retry = {
    retries: number(raw['fetch-retries']),
    factor: number(raw['fetch-retry-factor']),
    minTimeout: number(raw['fetch-retry-mintimeout']),
    maxTimeout: number(raw['fetch-retry-maxtimeout']),
  };
  const definedRetry = Object.fromEntries(Object.entries(retry).filter(([, v]) => v !== undefined));
  if (Object.keys(definedRetry).length) options.retry = definedRetry;
  if (raw['fetch-timeout'] !== undefined) options.timeout = number(raw['fetch-timeout']);
  if (raw['strict-ssl'] !== undefined) options.strictSSL = bool(raw['strict-ssl']);
  // A `cafile` replaces `ca`, as in npm: the registry's certificate must chain to one of these.
  if (typeof raw.cafile === 'string') options.ca = readCaFile(raw.cafile, cwd, env);
  else if (raw.ca !== undefined) options.ca = raw.ca;
  // npm's names → npm-registry-fetch's: `https-proxy` wins over `proxy` for https URLs, as npm does.
  if (raw['https-proxy'] !== undefined) options.httpsProxy = raw['https-proxy'];
  if (raw.noproxy !== undefined) options.noProxy = raw.noproxy;
  if (raw.maxsockets !== undefined) options.maxSockets = number(raw.maxsockets);
  if (raw['user-agent'] === undefined) options.userAgent = `sealpack (node ${process.version})`;
  return options;
}

/** A `cafile` path as npm resolves it: `~/` from the home folder, otherwise from the working directory. */
function readCaFile(path: string, cwd: string, env: NodeJS.ProcessEnv): string {
  const file = path.startsWith('~/') ? join(env.HOME || homedir(), path.slice(2)) : resolve(cwd, path);
  try {
    return readRegularFileSync(file, { maxBytes: MAX_CONFIG_BYTES, code: 'ESEAL_CONFIG', what: 'a PEM file' })!.toString('utf8');
  } catch (error) {
    throw new SealError('ESEAL_CONFIG', `npm config cafile: expected a PEM file of certificates, found none at ${file}`, {
      artifact: file,
      cause: error,
    });
  }
}

const withSlash = (url: string): string => (url.endsWith('/') ? url : `${url}/`);

/** The registry a package publishes to: `publishConfig.registry`, `@scope:registry`, then `registry`. */
export function registryFor(name: string, options: NpmOptions, publishConfig?: { registry?: string }): string {
  if (publishConfig?.registry) return withSlash(publishConfig.registry);
  const scope = name.startsWith('@') ? name.slice(0, name.indexOf('/')) : undefined;
  const scoped = scope ? options[`${scope}:registry`] : undefined;
  return typeof scoped === 'string' ? scoped : options.registry;
}
