import { existsSync, readdirSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { isSealError, MAX_PACKAGE_JSON_BYTES, readRegularFileSync, type ReadFileLimits } from '@sealpack/diagnostics';
import { byCodeUnit } from '@sealpack/manifest/paths';

/** One installed package, found once however many links lead to it. */
export interface InstalledPackage {
  /** The real path of the package folder (links resolved). */
  dir: string;
  /** How it was first reached, relative to the project root (`node_modules/@a/b`), for messages. */
  via: string;
  /** From its package.json; absent when it has none or it does not parse. */
  name?: string;
  version?: string;
  /**
   * Set when this is another link to a folder already reported, under another name than the
   * folder's own (an `npm:` alias, or a link posing as another package): only the name it is
   * reached under is new, its files were reported with the first.
   */
  linkOnly?: true;
  /**
   * Set for a file (or a link to one) lying loose in a `node_modules` or `@scope` folder:
   * `require('@a/b')` loads `node_modules/@a/b.js` before the folder `@a/b`. `dir` is its real path.
   */
  loose?: true;
  /**
   * Set for an entry of a `node_modules/.bin` folder (a link or a command shim): what a package
   * manager runs for `npx NAME` and package scripts. `dir` is its path (not resolved).
   */
  bin?: true;
  /** Why its package.json could not be read (a folder, a FIFO, too big): a finding, never a hang. */
  unreadable?: string;
}

/** The package name a `node_modules` path gives (`…/node_modules/@a/b` → `@a/b`), or undefined outside one. */
export function nameFromPath(path: string): string | undefined {
  const parts = path.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  const rest = parts.slice(at + 1);
  if (!rest[0]) return undefined;
  return rest[0].startsWith('@') ? rest.slice(0, 2).join('/') : rest[0];
}

const isMissing = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
};

// A package.json is read whole only when it is a small regular file; one that does not exist is no package.
const PACKAGE_JSON_READ: ReadFileLimits = {
  maxBytes: MAX_PACKAGE_JSON_BYTES,
  code: 'ESEAL_MALFORMED',
  what: 'package.json',
  optional: true,
};

function list(dir: string): string[] {
  return listEntries(dir).map((e) => e.name);
}

function listEntries(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).sort((a, b) => byCodeUnit(a.name, b.name));
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

function readIdentity(dir: string): { name?: string; version?: string; unreadable?: string } | undefined {
  let text: string;
  try {
    const bytes = readRegularFileSync(join(dir, 'package.json'), PACKAGE_JSON_READ);
    if (!bytes) return undefined;
    text = bytes.toString('utf8');
  } catch (error) {
    if (isSealError(error)) return { unreadable: error.message };
    throw error;
  }
  try {
    const json = JSON.parse(text) as { name?: unknown; version?: unknown };
    return {
      name: typeof json.name === 'string' ? json.name : undefined,
      version: typeof json.version === 'string' ? json.version : undefined,
    };
  } catch {
    return {};
  }
}

/**
 * True when a real path lies inside some `node_modules` folder: installed, not a workspace
 * source. Judged below the project root when it is inside it, so a project that itself sits
 * under a `node_modules` path still tells its workspace sources apart.
 */
const isInstalled = (root: string, real: string) => {
  const rel = relative(root, real);
  const inside = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  return (inside ? rel : real).split(sep).includes('node_modules');
};

/** True when `real` is `root` or lies below it. */
const isInside = (root: string, real: string) => {
  const rel = relative(root, real);
  return !rel.startsWith('..') && !isAbsolute(rel);
};

/** `/x/node_modules` for `/x/node_modules/a` and `/x/node_modules/@s/a`; undefined elsewhere. */
function containingNodeModules(real: string): string | undefined {
  const parent = dirname(real);
  if (basename(parent) === 'node_modules') return parent;
  const grand = dirname(parent);
  return basename(parent).startsWith('@') && basename(grand) === 'node_modules' ? grand : undefined;
}

/**
 * Package-manager bookkeeping in a `node_modules` folder: data no `require` is meant to load.
 * Every other hidden entry (`node_modules/.hidden/`) is judged like any package or loose file:
 * `require('.hidden')` loads it all the same. `.bin` is reported entry by entry, `.pnpm` walked.
 */
const BOOKKEEPING =
  /^\.(?:modules\.yaml|package-lock\.json|yarn-integrity|yarn-state\.yml|pnpm-workspace-state(?:-v\d+)?\.json|DS_Store)$/;

/** The real folders of the workspace packages declared by the project at `root` (package.json `workspaces`, pnpm-workspace.yaml). */
export async function workspaceFolders(root: string): Promise<Set<string>> {
  // Without any of what it looks for, @manypkg finds no workspace: not loading it saves ~80 ms.
  if (!mayDeclareWorkspaces(root)) return new Set();
  const { getPackages } = await import('@manypkg/get-packages');
  try {
    const found = await getPackages(root);
    const dirs = found.tool === 'root' ? [] : found.packages.map((p) => p.dir);
    return new Set(dirs.flatMap((dir) => (isInside(root, dir) ? [realpathSync.native(dir)] : [])));
  } catch {
    // No declared workspace: every link inside the project is judged as a package.
    return new Set();
  }
}

/**
 * False only when neither `root` nor a folder above it holds what @manypkg/find-root looks for
 * (a package.json with `workspaces` or `bolt`, pnpm-workspace.yaml, lerna.json): then
 * getPackages answers the root project alone. Anything unclear (a package.json that does not
 * parse, or cannot be read) is left to @manypkg, as before.
 */
function mayDeclareWorkspaces(root: string): boolean {
  for (let dir = root; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml')) || existsSync(join(dir, 'lerna.json'))) return true;
    try {
      const bytes = readRegularFileSync(join(dir, 'package.json'), PACKAGE_JSON_READ);
      const json = bytes && (JSON.parse(bytes.toString('utf8')) as { workspaces?: unknown; bolt?: unknown } | null);
      if (json === null || (json && (json.workspaces || json.bolt))) return true;
    } catch {
      return true;
    }
    if (dirname(dir) === dir) return false;
  }
}

/**
 * Finds every installed package under `root` in the layouts npm, pnpm (`.pnpm` virtual
 * store, hoisted or isolated) and yarn's node-modules linker write. Each real folder is
 * reported once, however many links lead to it. Workspace packages (links to folders the
 * project declares as workspace packages, in its package.json `workspaces` or
 * pnpm-workspace.yaml) and the root project are the consumer's own sources, not installed
 * artifacts: they are not reported, but their own `node_modules` are searched. Any other link
 * (out of the project, or to an undeclared folder inside it: a covered package swapped for a
 * link to a folder an install script wrote) is reported like any package; so are folders
 * without a package.json (Node loads their `index.js` all the same), loose files, hidden
 * folders that are no package manager's bookkeeping, and `.bin` entries.
 * Streams: holds only the set of real paths seen, never file contents. The file-system calls
 * are synchronous on purpose: each is a few microseconds on a warm tree, while an asynchronous
 * call costs a thread-pool round trip, and a tree has thousands of them; `realpathSync.native`
 * is one realpath(3) call where the JavaScript version makes one lstat per path segment.
 */
export async function* findInstalledPackages(root: string, workspaces?: ReadonlySet<string>): AsyncGenerator<InstalledPackage> {
  const rootReal = realpathSync.native(root);
  const sources = workspaces ?? (await workspaceFolders(rootReal));
  const seen = new Set<string>([rootReal]);
  const searched = new Set<string>();
  // A stack of node_modules folders still to list; depth-first keeps it small.
  const pending: string[] = [join(rootReal, 'node_modules')];
  // Anything but the root project and its declared workspace packages: those are the consumer's sources.
  const isPackage = (real: string) => isInstalled(rootReal, real) || !sources.has(real);
  const viaOf = (candidate: string) => relative(rootReal, candidate).split(sep).join('/');

  const visit = async function* (candidate: string, linked: boolean): AsyncGenerator<InstalledPackage> {
    let real: string;
    try {
      real = realpathSync.native(candidate);
    } catch (error) {
      // A dangling link (an optional dependency that failed, a half-removed package).
      if (isMissing(error)) return;
      throw error;
    }
    if (seen.has(real)) {
      // Reached again under another name than its folder's: the name `require` uses here is
      // what policy must judge, so it is reported (without its files, checked the first time).
      const name = nameFromPath(candidate);
      if (name !== nameFromPath(real) && isPackage(real)) {
        const identity = readIdentity(real);
        yield { dir: real, via: viaOf(candidate), ...identity, linkOnly: true };
      }
      return;
    }
    seen.add(real);
    // Only a link can lead to a file; a plain entry's type came with the listing.
    if (linked && !statSync(real).isDirectory()) {
      yield { dir: real, via: viaOf(candidate), loose: true };
      return;
    }
    const identity = readIdentity(real);
    // Nested node_modules hold other packages (dependencies, bundled dependencies).
    pending.push(join(real, 'node_modules'));
    // So does the folder holding the package: in a store layout (pnpm's global virtual store,
    // `.pnpm/<id>/node_modules`) a package's dependencies are its siblings there.
    const holder = containingNodeModules(real);
    if (holder) pending.push(holder);
    // A folder without package.json is reported too, unless empty: Node loads its index.js.
    if (isPackage(real) && (identity || listEntries(real).length > 0)) yield { dir: real, via: viaOf(candidate), ...identity };
  };
  const visitEntry = async function* (folder: string, entry: Dirent): AsyncGenerator<InstalledPackage> {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) yield* visit(path, false);
    else if (entry.isSymbolicLink()) yield* visit(path, true);
    else if (entry.isFile()) yield { dir: path, via: viaOf(path), loose: true };
  };

  while (pending.length > 0) {
    const modules = pending.pop()!;
    if (searched.has(modules)) continue;
    searched.add(modules);
    for (const dirent of listEntries(modules)) {
      const entry = dirent.name;
      if (entry === '.pnpm') {
        // pnpm's virtual store: `.pnpm/<id>/node_modules/<name>` are the real packages;
        // `.pnpm/node_modules` is its hidden hoisting folder (links to the same).
        for (const id of list(join(modules, entry))) {
          if (id === 'node_modules') pending.push(join(modules, entry, id));
          else if (!id.startsWith('.')) pending.push(join(modules, entry, id, 'node_modules'));
        }
        continue;
      }
      if (entry === '.bin' && dirent.isDirectory()) {
        for (const bin of listEntries(join(modules, entry)))
          yield { dir: join(modules, entry, bin.name), via: viaOf(join(modules, entry, bin.name)), bin: true };
        continue;
      }
      if (BOOKKEEPING.test(entry) && dirent.isFile()) continue;
      if (entry.startsWith('@') && !dirent.isFile()) {
        for (const scoped of listEntries(join(modules, entry))) yield* visitEntry(join(modules, entry), scoped);
        continue;
      }
      yield* visitEntry(modules, dirent);
    }
  }
}
