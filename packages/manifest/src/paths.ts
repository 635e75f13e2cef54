export const MANIFEST_FORMAT = 'sealpack/manifest@1';
export const EMBEDDED_MANIFEST_PATH = '.sealpack/manifest.json';
export const EMBEDDED_SIGNATURE_PATH = '.sealpack/manifest.json.asc';

/** The seal files a sealed tarball embeds: they are never listed in `files`. */
export const isEmbeddedSealPath = (path: string): boolean => path === EMBEDDED_MANIFEST_PATH || path === EMBEDDED_SIGNATURE_PATH;

/** Order by UTF-16 code unit, never by locale: the same on every machine. */
export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const SUSPICIOUS_PATH = /^$|^\/|^[A-Za-z]:|\\|\0|(?:^|\/)\.{0,2}(?:\/|$)/;

/**
 * Why `path` is not a safe relative `/`-separated path, or undefined when it is.
 * Every form a filesystem or another tool could read differently is refused, so a
 * path means one file everywhere: `..`, `.`, empty segments, backslashes, absolute
 * paths (POSIX or Windows drive), NUL.
 */
export function checkRelativePath(path: string): string | undefined {
  // Fast path (every path of every tarball comes here): nothing suspicious at all.
  if (!SUSPICIOUS_PATH.test(path)) return undefined;
  if (path === '') return 'an empty path';
  if (path.includes('\\')) return 'a backslash';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'an absolute path';
  if (path.includes('\0')) return 'a NUL character';
  for (const segment of path.split('/')) {
    if (segment === '..') return "a '..' segment";
    if (segment === '.') return "a '.' segment";
    if (segment === '') return 'an empty segment';
  }
  return undefined;
}

/**
 * The first path of `sorted` (sorted, unique) that is also used as a folder by
 * another path (`a` and `a/b`), or undefined. Such a list cannot be a real tree.
 */
export function findFileFolderClash(sorted: readonly string[]): string | undefined {
  const set = new Set(sorted);
  for (const path of sorted) {
    for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
      if (set.has(path.slice(0, i))) return path.slice(0, i);
    }
  }
  return undefined;
}
