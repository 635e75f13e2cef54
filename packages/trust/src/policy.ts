import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { CosmiconfigResult, Options } from 'cosmiconfig';
import { MAX_CONFIG_BYTES, MAX_PACKAGE_JSON_BYTES, SealError } from '@sealpack/diagnostics';
import {
  DEFAULT_HASHES,
  DEFAULT_KEYRING,
  DEFAULT_LEDGER,
  DEFAULT_MIN_RSA_BITS,
  DEFAULT_REVOCATIONS,
  DEFAULT_THRESHOLD,
  DEFAULT_UNSIGNED,
} from './constants.js';
import picomatch from 'picomatch';
import { extraFilesGlobProblem, packageGlobProblem } from './globs.js';
import { listKeyFiles } from './keyring.js';
import { validRange } from './semver-ranges.js';
import type { Alerts, Channel, InstallScriptRule, Policy, PolicyException, TrustRule, UnsignedMode } from './policy.types.js';
import { datesToStrings, formatDate, formatPath, parseDate, policyProblems } from './validate.js';

/** Where a config file is looked for in each folder, in this order (DESIGN.md, "Policy"). */
export const SEARCH_PLACES: readonly string[] = [
  'package.json',
  '.sealpackrc',
  '.sealpackrc.json',
  '.sealpackrc.yaml',
  '.sealpackrc.yml',
  '.sealpackrc.js',
  '.sealpackrc.cjs',
  '.sealpackrc.mjs',
  'sealpack.config.js',
  'sealpack.config.cjs',
  'sealpack.config.mjs',
  'sealpack.config.ts',
  'sealpack.config.json',
];

/** The config file as written, before defaults (what the schema describes). */
interface RawConfig {
  keyring?: string;
  revocations?: string;
  trust?: {
    packages: string | string[];
    keys: string | string[];
    threshold?: number;
    approvers?: string | string[];
    approvals?: number;
  }[];
  unsigned?: UnsignedMode;
  algorithms?: { minRsaBits?: number; hashes?: string[] };
  channels?: Partial<Record<Channel, { threshold: number }>>;
  exceptions?: { package: string; reason: string; risk?: string; approvedBy?: string; expires?: string }[];
  extraFiles?: string[];
  installScripts?: Record<string, { adds?: string[]; changes?: string[] }>;
  rotation?: { threshold?: number };
  ledger?: string;
  alerts?: Alerts;
}

const CHANNELS: readonly Channel[] = ['production', 'rc', 'prerelease'];
// npm's rule for new package names: lowercase, URL-safe, an optional scope.
const PACKAGE_NAME = /^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/;

const asArray = (value: string | string[]): string[] => (typeof value === 'string' ? [value] : value);
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function configError(file: string | null, problems: string[], cause?: unknown): never {
  const where = file ?? 'the configuration';
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  throw new SealError('ESEAL_CONFIG', `invalid sealpack config ${where}: ${problems[0]}${more}`, { details: problems, cause });
}

/** `name@range` split at its last `@` (a scope's `@` comes first); undefined when it is not one. */
export function parsePackageSpec(spec: string): { name: string; range: string } | undefined {
  const at = spec.lastIndexOf('@');
  if (at <= 0) return undefined;
  const name = spec.slice(0, at);
  const range = spec.slice(at + 1);
  if (!PACKAGE_NAME.test(name) || validRange(range) === null) return undefined;
  return { name, range };
}

interface Found {
  filepath: string;
  config: unknown;
}

/** Why a config file could not be loaded, as one line (loaders put a header and code frames in the message). */
function loadProblem(filepath: string, error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return `${filepath}: not found`;
  if (e.code === 'ERR_MODULE_NOT_FOUND' && /'typescript'/.test(e.message) && filepath.endsWith('.ts')) {
    return `${filepath}: loading a .ts config needs the typescript package (install it, or use sealpack.config.mjs)`;
  }
  const message = String(e.message ?? error)
    .replace(/^(?:JSON|YAML|TypeScript) Error in [^\n]*:\n/, '')
    .split('\n')
    .find((line) => line.trim() !== '');
  return `${filepath}: cannot be loaded: ${message ?? String(error)}`;
}

// cosmiconfig 9 only searches the start folder unless given a stop folder, and its "global"
// strategy also reads ~/.config/sealpack: a consumer's trust must come from its repository, so
// sealpack walks up itself and asks cosmiconfig about one folder at a time.
// cosmiconfig (and the YAML and JSON parsers it loads) is imported only when a folder holds a
// candidate file: most runs, with no config file at all, never load it.
//
// The explorer is cosmiconfig's own, built from every option spelled out, not through its
// `cosmiconfig()` factory: the factory first reads cosmiconfig's settings from the working
// folder (package.json, .config/config.json and others, a "cosmiconfig" key), and those would
// put search places ahead of SEARCH_PLACES and make `search` answer with that file's "sealpack"
// key: a config file DESIGN.md does not name, read before the .sealpackrc.json beside it and
// without checkConfigPlace's guards. Reading them also loaded parse-json and @babel/code-frame
// (~14 ms of a verify's start-up on Node 20) whenever the working folder has a package.json.
// These are the options the factory produces when no such settings exist.
interface ConfigExplorer {
  search(dir: string): Promise<CosmiconfigResult>;
  load(file: string): Promise<CosmiconfigResult>;
}
async function explorer(): Promise<ConfigExplorer> {
  const [explorerModule, { defaultLoaders }] = await Promise.all([
    import('cosmiconfig/dist/Explorer.js'),
    import('cosmiconfig/dist/defaults.js'),
  ]);
  // cosmiconfig marks the class internal: its declaration file exports nothing.
  const { Explorer } = explorerModule as unknown as { Explorer: new (options: ExplorerOptions) => ConfigExplorer };
  return new Explorer({
    moduleName: 'sealpack',
    searchPlaces: [...SEARCH_PLACES],
    ignoreEmptySearchPlaces: true,
    cache: false,
    transform: (result) => result,
    loaders: { ...defaultLoaders, '.json': loadJson },
    metaConfigFilePath: null,
    mergeImportArrays: true,
    mergeSearchPlaces: true,
    searchStrategy: 'none',
  });
}
type ExplorerOptions = Options & { moduleName: string; metaConfigFilePath: null };

/**
 * The `.json` loader (package.json, .sealpackrc.json, sealpack.config.json): JSON.parse, as
 * cosmiconfig's own parse-json does underneath, without the @babel/code-frame it loads to frame
 * an error that loadProblem cuts to one line anyway. `.sealpackrc` (no extension) stays YAML:
 * JSON.parse would take a duplicated key the YAML parser refuses.
 */
function loadJson(_filepath: string, content: string): unknown {
  try {
    return JSON.parse(content);
  } catch (error) {
    throw new Error(String((error as Error).message).replace(/\n/g, ' '), { cause: error });
  }
}

/**
 * Refuses a config place that holds something other than a regular file within its bound: a
 * folder named `.sealpackrc.json` would be skipped by cosmiconfig, which then reads a config from
 * further up; a FIFO would block the read forever.
 */
function checkConfigPlace(path: string): void {
  const stats = statOf(path);
  if (!stats) return;
  const max = basename(path) === 'package.json' ? MAX_PACKAGE_JSON_BYTES : MAX_CONFIG_BYTES;
  const found = stats.isDirectory()
    ? 'a folder'
    : !stats.isFile()
      ? 'not a regular file'
      : stats.size > max
        ? `${stats.size} bytes`
        : '';
  if (found) configError(path, [`${path}: expected a config file of at most ${max} bytes, found ${found}`]);
}

// The config search's own file system questions are asked synchronously: a handful of stats and
// small reads per folder, each cheaper than the round trip through the thread pool an
// asynchronous call makes (and nothing else runs meanwhile at start-up).
function statOf(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Whether `dir` may hold a config: a file of SEARCH_PLACES, or a package.json that has our key or does not parse. */
function mayHoldConfig(dir: string): boolean {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return true; // cosmiconfig will say why the folder cannot be read
  }
  if (SEARCH_PLACES.some((place) => place !== 'package.json' && names.includes(place))) return true;
  if (!names.includes('package.json')) return false;
  try {
    const json: unknown = JSON.parse(readText(join(dir, 'package.json')) ?? '');
    return !isObject(json) || 'sealpack' in json;
  } catch {
    return true;
  }
}

async function searchConfig(cwd: string, warnings: string[]): Promise<Found | null> {
  let search: ConfigExplorer | undefined;
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const place of SEARCH_PLACES) checkConfigPlace(join(dir, place));
    let result;
    try {
      result = mayHoldConfig(dir) ? await (search ??= await explorer()).search(dir) : null;
    } catch (error) {
      const filepath = (error as { filepath?: string }).filepath ?? dir;
      configError(filepath, [loadProblem(filepath, error)], error);
    }
    if (result) {
      const ignored = otherConfigFiles(dir, basename(result.filepath));
      if (ignored.length > 0) {
        warnings.push(
          `${dir}: several sealpack config files: using ${basename(result.filepath)}, ignoring ${ignored.join(', ')}`,
        );
      }
      return { filepath: result.filepath, config: result.config };
    }
    if (dirname(dir) === dir) return null;
  }
}

function otherConfigFiles(dir: string, used: string): string[] {
  const others: string[] = [];
  for (const place of SEARCH_PLACES) {
    if (place === used) continue;
    if (place === 'package.json') {
      const text = readText(join(dir, place));
      try {
        if (text !== undefined && isObject(JSON.parse(text)) && 'sealpack' in JSON.parse(text))
          others.push('the "sealpack" key of package.json');
      } catch {
        // A broken package.json without our key is not ours to report.
      }
    } else {
      const stats = statOf(join(dir, place));
      if (stats?.isFile() && stats.size > 0) others.push(place);
    }
  }
  return others;
}

async function loadConfigFile(file: string): Promise<Found> {
  checkConfigPlace(file);
  let result;
  try {
    result = await (await explorer()).load(file);
  } catch (error) {
    configError(file, [loadProblem(file, error)], error);
  }
  if (result === null) configError(file, [`${file}: has no "sealpack" key`]);
  // An empty file is a config with every default.
  return { filepath: result.filepath, config: result.isEmpty ? {} : result.config };
}

/** With no config file, the pinned files' folder decides: the parent of the nearest `.sealpack/` up from cwd. */
function findBase(cwd: string): string {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (statOf(join(dir, '.sealpack'))?.isDirectory()) return dir;
    if (dirname(dir) === dir) return resolve(cwd);
  }
}

/**
 * Where the config search starts: `cwd`, or, when it lies inside a `node_modules` folder, the
 * folder holding the outermost one. Trust never comes from an installed package, and no code of
 * theirs runs: a `.sealpackrc.cjs` or `.sealpack/keys` inside one is never looked at.
 */
function searchStart(cwd: string): string {
  const parts = resolve(cwd).split(sep);
  const inside = parts.indexOf('node_modules');
  return inside === -1 ? resolve(cwd) : parts.slice(0, inside).join(sep) || sep;
}

/**
 * Finds and reads the sealpack config (cosmiconfig, from `cwd` upward; or exactly `configFile`),
 * validates it against `policySchema`, applies defaults and checks what the schema cannot
 * (rule keys must be pinned names, exceptions must be `name@range` and end). Paths are resolved
 * from the config file's folder. Problems: ESEAL_CONFIG with every `path: message` line in
 * `details`; things that are allowed but probably not meant come back as `warnings`.
 */
export async function loadPolicy(options: { cwd: string; configFile?: string }): Promise<{ policy: Policy; warnings: string[] }> {
  const warnings: string[] = [];
  // An explicit --config is the user's own choice; only the search avoids node_modules.
  const start = options.configFile === undefined ? searchStart(options.cwd) : resolve(options.cwd);
  if (start !== resolve(options.cwd)) {
    warnings.push(
      `${resolve(options.cwd)} is inside node_modules: the sealpack config is searched from ${start}, never from an installed package`,
    );
  }
  const found =
    options.configFile !== undefined
      ? await loadConfigFile(resolve(options.cwd, options.configFile))
      : await searchConfig(start, warnings);
  const configPath = found?.filepath ?? null;
  const base = found ? dirname(found.filepath) : findBase(start);
  const data = datesToStrings(found?.config ?? {});

  // No config file: every default, nothing to validate.
  const problems = found ? await policyProblems(data) : [];
  const raw = (isObject(data) ? data : {}) as RawConfig;
  const keyring = resolve(base, typeof raw.keyring === 'string' && raw.keyring !== '' ? raw.keyring : DEFAULT_KEYRING);
  let pinned: string[] = [];
  try {
    pinned = ((await listKeyFiles(keyring)) ?? []).map((k) => k.name);
  } catch (error) {
    problems.push(`keyring: ${(error as SealError).details.split('\n')[0] || (error as Error).message}`);
  }
  // The checks below also run on a config that failed the schema, guarding each value, so that
  // one run reports every problem.
  const checked = checkRules(raw, pinned, keyring, problems);
  if (Array.isArray(raw.extraFiles)) {
    raw.extraFiles.forEach((glob, i) => {
      const problem = typeof glob === 'string' && glob !== '' ? extraFilesGlobProblem(glob) : undefined;
      if (problem) problems.push(`${formatPath(['extraFiles', i])}: ${JSON.stringify(glob)} ${problem}`);
    });
  }
  const exceptions = checkExceptions(raw, problems, warnings);
  const installScripts = checkInstallScripts(raw, problems);
  checkAlerts(raw, problems);
  if (problems.length > 0) configError(configPath, problems);

  // DECISION: with no trust rule, the implicit rule says which keys may sign (every pinned key)
  // but does not make sealing mandatory: an unsealed package under it follows `unsigned`. Only
  // a rule someone wrote makes a seal required (see sealRequirement).
  const implicit: TrustRule = {
    packages: ['**'],
    keys: pinned,
    threshold: DEFAULT_THRESHOLD,
    approvers: [],
    approvals: 0,
    implicit: true,
  };
  const trust = checked.length > 0 ? checked : [implicit];
  const hashes = [...(raw.algorithms?.hashes ?? DEFAULT_HASHES)];
  const minRsaBits = raw.algorithms?.minRsaBits ?? DEFAULT_MIN_RSA_BITS;
  if (hashes.includes('sha1')) warnings.push('algorithms.hashes: sha1 is accepted: SHA-1 signatures can be forged');
  if (minRsaBits < DEFAULT_MIN_RSA_BITS) {
    warnings.push(`algorithms.minRsaBits: ${minRsaBits} accepts RSA keys smaller than the default ${DEFAULT_MIN_RSA_BITS} bits`);
  }
  const channels: Policy['channels'] = {};
  for (const channel of CHANNELS) {
    const threshold = raw.channels?.[channel]?.threshold;
    if (threshold === undefined) continue;
    channels[channel] = { threshold };
    trust.forEach((rule, i) => {
      const which = rule.implicit ? 'the implicit trust rule (every pinned key)' : `trust[${i}]`;
      // A channel only raises thresholds: the publisher picks the version, so the channel.
      if (threshold < rule.threshold) {
        warnings.push(
          `channels.${channel}.threshold: ${threshold} is less than the threshold ${rule.threshold} of ${which}: a channel can only raise a threshold, ${channel} versions of its packages still need ${rule.threshold}`,
        );
      }
      // Whether its keys can meet it is checked once the keyring is read (loadTrust): a key file may hold several.
    });
  }
  const policy: Policy = {
    configPath,
    keyring,
    revocations: resolve(base, raw.revocations ?? DEFAULT_REVOCATIONS),
    trust,
    unsigned: raw.unsigned ?? DEFAULT_UNSIGNED,
    algorithms: { minRsaBits, hashes },
    channels,
    exceptions,
    extraFiles: [...(raw.extraFiles ?? [])],
    installScripts,
    rotation: { threshold: raw.rotation?.threshold ?? DEFAULT_THRESHOLD },
    ledger: ledgerFolder(base, raw.ledger),
    alerts: isObject(raw.alerts) ? raw.alerts : {},
  };
  return { policy, warnings };
}

function ledgerFolder(base: string, configured: string | undefined): Policy['ledger'] {
  if (configured !== undefined) return { path: resolve(base, configured), enabled: true };
  const path = resolve(base, DEFAULT_LEDGER);
  return { path, enabled: statOf(path)?.isDirectory() === true };
}

/** What the schema cannot say about `alerts`: the webhook is an http(s) URL, the window's hours and zone are real. */
function checkAlerts(raw: RawConfig, problems: string[]): void {
  if (!isObject(raw.alerts)) return;
  const { webhook, signingWindow } = raw.alerts;
  if (typeof webhook === 'string' && !/^https?:\/\/[^\s]+$/.test(webhook)) {
    problems.push(`alerts.webhook: expected an http(s) URL, found ${JSON.stringify(webhook)}`);
  }
  if (!isObject(signingWindow)) return;
  const { hours, timeZone } = signingWindow;
  if (typeof hours === 'string' && !/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/.test(hours)) {
    problems.push(`alerts.signingWindow.hours: expected HH:MM-HH:MM such as 08:00-18:00, found ${JSON.stringify(hours)}`);
  }
  if (typeof timeZone === 'string') {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
    } catch {
      problems.push(`alerts.signingWindow.timeZone: ${JSON.stringify(timeZone)} is not an IANA time zone`);
    }
  }
}

function checkRules(raw: RawConfig, pinned: readonly string[], keyring: string, problems: string[]): TrustRule[] {
  if (!Array.isArray(raw.trust)) return [];
  const rules: TrustRule[] = [];
  raw.trust.forEach((rule, i) => {
    if (!isObject(rule)) return;
    const names = (field: 'keys' | 'approvers'): string[] => {
      const value = rule[field];
      const list = typeof value === 'string' || Array.isArray(value) ? asArray(value) : [];
      list.forEach((name, j) => {
        if (typeof name !== 'string' || pinned.includes(name)) return;
        const path = typeof value === 'string' ? formatPath(['trust', i, field]) : formatPath(['trust', i, field, j]);
        problems.push(`${path}: "${name}" is not a pinned key (no ${join(keyring, `${name}.asc`)})`);
      });
      return list;
    };
    const keys = names('keys');
    const approvers = names('approvers');
    // Whether its keys can meet `threshold` and `approvals` is checked once the keyring is read
    // (loadTrust): a key file may hold several certificates, all under its NAME.
    const approvals = typeof rule.approvals === 'number' ? rule.approvals : 0;
    const threshold = typeof rule.threshold === 'number' ? rule.threshold : DEFAULT_THRESHOLD;
    const packages = typeof rule.packages === 'string' || Array.isArray(rule.packages) ? asArray(rule.packages) : [];
    for (const glob of packages) {
      if (typeof glob !== 'string' || glob === '') continue;
      const problem = packageGlobProblem(glob);
      if (problem) problems.push(`${formatPath(['trust', i, 'packages'])}: ${JSON.stringify(glob)} ${problem}`);
    }
    rules.push({ packages, keys, threshold, approvers, approvals, implicit: false });
  });
  return rules;
}

function checkExceptions(raw: RawConfig, problems: string[], warnings: string[]): PolicyException[] {
  if (!Array.isArray(raw.exceptions)) return [];
  const now = Date.now();
  const exceptions: PolicyException[] = [];
  raw.exceptions.forEach((entry, i) => {
    if (!isObject(entry) || typeof entry.package !== 'string') return;
    if (parsePackageSpec(entry.package) === undefined) {
      problems.push(
        `${formatPath(['exceptions', i, 'package'])}: must be name@range (e.g. "legacy@1.x"), found ${JSON.stringify(entry.package)}`,
      );
      return;
    }
    if (entry.expires === undefined) {
      warnings.push(`exceptions[${i}]: ${entry.package} has no expires: it does not apply (an exception must end)`);
      return;
    }
    if (typeof entry.expires !== 'string') return;
    const expires = parseDate(entry.expires);
    if (expires === undefined) {
      // A string the pattern accepts but the calendar does not (2027-02-30); other strings the schema reported.
      if (/^\d{4}-\d{2}-\d{2}/.test(entry.expires))
        problems.push(`${formatPath(['exceptions', i, 'expires'])}: not a real date: ${JSON.stringify(entry.expires)}`);
      return;
    }
    // Kept, though it will not apply: an exception applies only before its expiry both at the
    // verification time (`at`) and now, so an earlier `at` never revives it.
    if (expires.getTime() <= now)
      warnings.push(`exceptions[${i}]: ${entry.package} expired on ${formatDate(expires)}: it does not apply`);
    exceptions.push({
      package: entry.package,
      reason: entry.reason,
      ...(entry.risk === undefined ? {} : { risk: entry.risk }),
      ...(entry.approvedBy === undefined ? {} : { approvedBy: entry.approvedBy }),
      expires,
    });
  });
  return exceptions;
}

/** A glob picomatch can compile, else a problem at `path`. */
function checkGlob(glob: unknown, path: (string | number)[], problems: string[]): glob is string {
  if (typeof glob !== 'string' || glob === '') return false;
  try {
    picomatch(glob);
    return true;
  } catch (error) {
    problems.push(`${formatPath(path)}: ${JSON.stringify(glob)} is not a valid glob: ${(error as Error).message}`);
    return false;
  }
}

/** `installScripts` in config order, then `extraFiles` as the allowance of every package ("**" adds). */
function checkInstallScripts(raw: RawConfig, problems: string[]): InstallScriptRule[] {
  const rules: InstallScriptRule[] = [];
  if (isObject(raw.installScripts)) {
    for (const [packages, allowance] of Object.entries(raw.installScripts)) {
      if (!checkGlob(packages, ['installScripts', packages], problems) || !isObject(allowance)) continue;
      const globs = (field: 'adds' | 'changes') => {
        const list = Array.isArray(allowance[field]) ? allowance[field] : [];
        return list.filter((glob, i) => checkGlob(glob, ['installScripts', packages, field, i], problems));
      };
      rules.push({ packages, adds: globs('adds'), changes: globs('changes') });
    }
  }
  const extra = Array.isArray(raw.extraFiles)
    ? raw.extraFiles.filter((glob, i) => checkGlob(glob, ['extraFiles', i], problems))
    : [];
  if (extra.length > 0) rules.push({ packages: '**', adds: extra, changes: [] });
  return rules;
}
