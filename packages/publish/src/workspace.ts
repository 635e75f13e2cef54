import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SealError } from '@sealpack/diagnostics';

export interface WorkspacePackage {
  name: string;
  version: string;
  dir: string;
  private: boolean;
  /** Workspace packages this one depends on (dependencies, optional, peer). */
  workspaceDependencies: string[];
  packageJson: Record<string, unknown>;
}

export interface Workspace {
  root: string;
  /** `pnpm`, `yarn` (npm and yarn workspaces), `root` (a single package)… as manypkg names it. */
  tool: string;
  packages: WorkspacePackage[];
}

const DEPENDENCY_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies'] as const;

/**
 * The packages of the workspace containing `dir` (pnpm-workspace.yaml or package.json
 * `workspaces`), read the way changesets reads them (@manypkg/get-packages), so that
 * `sealpack publish -r` and `changeset version` see the same packages. A repository
 * without workspaces is one package: its root.
 */
export async function readWorkspace(dir: string): Promise<Workspace> {
  const { getPackages } = await import('@manypkg/get-packages');
  let found: Awaited<ReturnType<typeof getPackages>>;
  try {
    found = await getPackages(dir);
  } catch (error) {
    // No package.json up the tree, a workspace package without a name…
    throw new SealError('ESEAL_CONFIG', `${dir}: cannot read the workspace: ${(error as Error).message}`, {
      artifact: dir,
      cause: error,
    });
  }
  const list = found.tool === 'root' ? [found.root] : found.packages;
  const names = new Set(list.map((p) => p.packageJson.name));
  const packages = list.map(({ dir: pkgDir, packageJson }): WorkspacePackage => {
    const json = packageJson as unknown as Record<string, unknown>;
    const deps = new Set<string>();
    for (const field of DEPENDENCY_FIELDS) {
      for (const dep of Object.keys((json[field] as Record<string, string> | undefined) ?? {}))
        if (names.has(dep) && dep !== json.name) deps.add(dep);
    }
    return {
      name: String(json.name),
      version: String(json.version ?? ''),
      dir: pkgDir,
      private: json.private === true,
      workspaceDependencies: [...deps].sort(),
      packageJson: json,
    };
  });
  return {
    root: found.root.dir,
    tool: found.tool,
    packages: packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}

/**
 * Dependencies before dependents; among packages free at the same time, by name, so the
 * order is the same on every run. A cycle is broken at its first package by name.
 */
export function orderByDependencies<T extends { name: string; workspaceDependencies: string[] }>(packages: readonly T[]): T[] {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const done = new Set<string>();
  const ordered: T[] = [];
  while (ordered.length < packages.length) {
    const ready = packages.filter(
      (p) => !done.has(p.name) && p.workspaceDependencies.every((d) => done.has(d) || !byName.has(d)),
    );
    const next = ready.length > 0 ? ready : packages.filter((p) => !done.has(p.name)).slice(0, 1);
    for (const p of next) {
      done.add(p.name);
      ordered.push(p);
    }
  }
  return ordered;
}

/** What `sealpack publish -r` takes from changesets: pre mode's tag (`.changeset/pre.json`) and `access` (`.changeset/config.json`). */
export interface ChangesetsConfig {
  preTag?: string;
  access?: string;
}

/**
 * Reads `.changeset/pre.json` (its tag, when in pre mode) and `.changeset/config.json`
 * (`access`). Missing files are no settings; a file that does not parse is ESEAL_CONFIG, as
 * changesets refuses it too.
 */
export async function readChangesetsConfig(root: string): Promise<ChangesetsConfig> {
  const [pre, config] = await Promise.all(
    ['pre.json', 'config.json'].map((name) => readJsonIfExists(join(root, '.changeset', name))),
  );
  const out: ChangesetsConfig = {};
  const preState = pre as { mode?: unknown; tag?: unknown } | undefined;
  if (preState?.mode === 'pre' && typeof preState.tag === 'string') out.preTag = preState.tag;
  const access = (config as { access?: unknown } | undefined)?.access;
  if (typeof access === 'string') out.access = access;
  return out;
}

async function readJsonIfExists(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SealError('ESEAL_CONFIG', `${file}: cannot read it (${(error as NodeJS.ErrnoException).code})`, {
      artifact: file,
      cause: error,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new SealError('ESEAL_CONFIG', `${file}: expected JSON, found ${(error as Error).message}`, {
      artifact: file,
      cause: error,
    });
  }
}
