import { malformed } from './error.js';
import { SHA512_INTEGRITY } from './hash.js';
import type { Integrity, Manifest, ManifestFile, ManifestInput, ManifestSource } from './manifest.types.js';
import { MANIFEST_FORMAT, byCodeUnit, checkRelativePath, findFileFolderClash, isEmbeddedSealPath } from './paths.js';

// Unknown keys are refused everywhere, not ignored: a signed manifest says exactly
// what a verifier checks, and a new field comes with a new `format`.
const MANIFEST_KEYS = ['format', 'name', 'version', 'tarball', 'files', 'source'];
const FILE_KEYS = ['path', 'integrity', 'size'];
const INTEGRITY_KEYS = ['integrity', 'size'];
const SOURCE_KEYS = ['repository', 'commit'];

/** Where an error is reported: the artifact (parse) or `name@version` (build). */
interface Context {
  label: string;
  artifact?: string;
  package?: string;
  version?: string;
}

function fail(ctx: Context, field: string, expected: string, found: unknown, file?: string): never {
  let shown = found === undefined ? 'nothing' : (JSON.stringify(found) ?? String(found));
  if (shown.length > 120) shown = `${shown.slice(0, 117)}...`;
  const info = { artifact: ctx.artifact, package: ctx.package, version: ctx.version, file, expected, found: shown };
  throw malformed(`${ctx.label}: ${field}: expected ${expected}, found ${shown}`, info);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function checkObject(ctx: Context, field: string, value: unknown, keys: readonly string[]): Record<string, unknown> {
  if (!isObject(value)) fail(ctx, field, 'an object', value);
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) fail(ctx, `${field}.${key}`, `no other keys than ${keys.join(', ')}`, key);
  }
  return value;
}

function checkIntegrity(ctx: Context, field: string, value: unknown, keys = INTEGRITY_KEYS, file?: string): Integrity {
  const obj = checkObject(ctx, field, value, keys);
  if (typeof obj.integrity !== 'string' || !SHA512_INTEGRITY.test(obj.integrity)) {
    fail(ctx, `${field}.integrity`, 'a sha512 integrity string ("sha512-" and 88 base64 characters)', obj.integrity, file);
  }
  if (typeof obj.size !== 'number' || !Number.isSafeInteger(obj.size) || obj.size < 0) {
    fail(ctx, `${field}.size`, 'a non-negative integer', obj.size, file);
  }
  return { integrity: obj.integrity, size: obj.size };
}

/** Checks every file, then that paths are sorted by code unit and unique. Returns fresh objects in key order. */
function checkFiles(ctx: Context, value: unknown): ManifestFile[] {
  if (!Array.isArray(value)) fail(ctx, 'files', 'an array', value);
  const files = value.map((entry: unknown, i): ManifestFile => {
    const field = `files[${i}]`;
    const path = checkObject(ctx, field, entry, FILE_KEYS).path;
    if (typeof path !== 'string') fail(ctx, `${field}.path`, 'a string', path);
    const problem = checkRelativePath(path);
    if (problem) fail(ctx, `${field}.path`, `a relative '/'-separated path, not ${problem}`, path, path);
    if (isEmbeddedSealPath(path)) fail(ctx, `${field}.path`, 'no embedded seal file (a manifest cannot list itself)', path, path);
    return { path, ...checkIntegrity(ctx, field, entry, FILE_KEYS, path) };
  });
  for (let i = 1; i < files.length; i++) {
    const [prev, path] = [files[i - 1]!.path, files[i]!.path];
    if (prev === path) fail(ctx, `files[${i}].path`, 'unique paths', path, path);
    if (prev > path) fail(ctx, `files[${i}].path`, `paths sorted by code unit (after ${JSON.stringify(prev)})`, path, path);
  }
  const clash = findFileFolderClash(files.map((file) => file.path));
  if (clash !== undefined) fail(ctx, 'files', 'no path that is both a file and a folder', clash, clash);
  return files;
}

/** Checks a manifest-shaped object and returns a fresh one with keys in serialization order. */
function checkManifest(ctx: Context, value: unknown, withFormat: boolean): Manifest {
  const obj = checkObject(ctx, 'manifest', value, withFormat ? MANIFEST_KEYS : MANIFEST_KEYS.slice(1));
  if (withFormat && obj.format !== MANIFEST_FORMAT) fail(ctx, 'format', JSON.stringify(MANIFEST_FORMAT), obj.format);
  if (typeof obj.name !== 'string' || obj.name === '') fail(ctx, 'name', 'a package name', obj.name);
  ctx.package = obj.name;
  if (typeof obj.version !== 'string' || obj.version === '') fail(ctx, 'version', 'a version', obj.version);
  ctx.version = obj.version;
  if (obj.tarball === undefined && obj.files === undefined) fail(ctx, 'manifest', 'a tarball or files (or both)', 'neither');
  const manifest: Manifest = { format: MANIFEST_FORMAT, name: obj.name, version: obj.version };
  if (obj.tarball !== undefined) manifest.tarball = checkIntegrity(ctx, 'tarball', obj.tarball);
  if (obj.files !== undefined) manifest.files = checkFiles(ctx, obj.files);
  if (obj.source !== undefined) {
    const src = checkObject(ctx, 'source', obj.source, SOURCE_KEYS);
    const source: ManifestSource = {};
    for (const key of ['repository', 'commit'] as const) {
      if (src[key] === undefined) continue;
      if (typeof src[key] !== 'string') fail(ctx, `source.${key}`, 'a string', src[key]);
      source[key] = src[key];
    }
    manifest.source = source;
  }
  return manifest;
}

/**
 * A checked manifest from its parts: files are sorted by code unit, then checked
 * like `parseManifest` checks them (unique, safe paths, sha512 integrities).
 * Throws `ESEAL_MALFORMED`.
 */
export function buildManifest(input: ManifestInput): Manifest {
  const name = isObject(input) && typeof input.name === 'string' ? input.name : 'manifest';
  const ctx: Context = { label: isObject(input) && typeof input.version === 'string' ? `${name}@${input.version}` : name };
  let value: unknown = input;
  if (isObject(input)) {
    // Absent optional fields may come as `undefined` from spreads: drop them, then sort.
    value = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
    if (Array.isArray(input.files)) {
      (value as Record<string, unknown>).files = [...input.files].sort((a, b) => byCodeUnit(String(a?.path), String(b?.path)));
    }
  }
  const manifest = checkManifest(ctx, value, false);
  // DECISION (issue 13): refused, not warned. npm's extractor (pacote) installs every
  // `.gitignore` as `.npmignore`, so a seal listing one fails every npm install of the package:
  // a seal that can never verify is worse than none, and the publisher is the one who can fix it.
  const ignored = manifest.files?.find((f) => f.path === '.gitignore' || f.path.endsWith('/.gitignore'));
  if (ignored) {
    throw malformed(
      `${ctx.label}: ${ignored.path}: expected no .gitignore in a package, found one: npm installs it as .npmignore, so no npm install could match the seal`,
      { file: ignored.path, expected: 'no .gitignore', found: ignored.path },
    );
  }
  // An empty source says nothing: leave it out so equal inputs give equal bytes.
  if (manifest.source && Object.keys(manifest.source).length === 0) delete manifest.source;
  return manifest;
}

/**
 * The manifest's bytes, the same for the same manifest: keys in a fixed order,
 * 2-space JSON, one trailing newline. Serialize manifests from `buildManifest`
 * or `parseManifest`; this does not check them again.
 */
export function serializeManifest(manifest: Manifest): Buffer {
  const integrity = (i: Integrity): Integrity => ({ integrity: i.integrity, size: i.size });
  const ordered = {
    format: manifest.format,
    name: manifest.name,
    version: manifest.version,
    tarball: manifest.tarball && integrity(manifest.tarball),
    files: manifest.files?.map((f) => ({ path: f.path, ...integrity(f) })),
    source: manifest.source && { repository: manifest.source.repository, commit: manifest.source.commit },
  };
  // JSON.stringify leaves out undefined members, so absent fields take no place.
  return Buffer.from(JSON.stringify(ordered, null, 2) + '\n', 'utf8');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses manifest bytes strictly: the format, every key, integrity and path is
 * checked, files must already be sorted and unique, and the bytes must be exactly
 * what `serializeManifest` writes for the result. Throws `ESEAL_MALFORMED` with a
 * message that starts with `artifact`.
 */
export function parseManifest(bytes: Uint8Array, artifact = 'manifest'): Manifest {
  const ctx: Context = { label: artifact, artifact };
  // TextDecoder would drop it silently, while another reader may not.
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    fail(ctx, 'manifest', 'the canonical serialization (no byte order mark)', 'a UTF-8 byte order mark');
  }
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch (error) {
    throw malformed(`${artifact}: expected a UTF-8 JSON manifest, found unreadable bytes (${(error as Error).message})`, {
      artifact,
      expected: 'UTF-8 JSON',
      found: (error as Error).message,
      cause: error,
    });
  }
  const manifest = checkManifest(ctx, value, true);
  // The signature covers these bytes, so every reader must see one manifest in them:
  // JSON.parse keeps the last of duplicate keys where other parsers may keep the first.
  // Serialization is deterministic, so the canonical bytes refuse duplicates, and any
  // other spelling of the same manifest, in one rule.
  const canonical = serializeManifest(manifest);
  if (!canonical.equals(bytes)) {
    const expected = 'the canonical serialization (no duplicate keys, keys in order, 2-space JSON, one trailing newline)';
    fail(ctx, 'manifest', expected, firstDifferentLine(canonical, bytes));
  }
  return manifest;
}

/** `line N: <that line of the input>` where the input first differs from the canonical bytes. */
function firstDifferentLine(canonical: Uint8Array, input: Uint8Array): string {
  let at = 0;
  while (at < canonical.length && at < input.length && canonical[at] === input[at]) at++;
  const start = input.lastIndexOf(0x0a, at - 1) + 1;
  const end = input.indexOf(0x0a, at);
  const line = Buffer.from(input.subarray(start, end < 0 ? input.length : end)).toString('utf8');
  let number = 1;
  for (let i = 0; i < start; i++) if (input[i] === 0x0a) number++;
  return at === input.length ? `the end of the input, line ${number}: ${line}` : `line ${number}: ${line}`;
}
