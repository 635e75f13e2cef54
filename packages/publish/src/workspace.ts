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

/** changesets' pre mode (`.changeset/pre.json`): its dist-tag, when the workspace is in it. */
export async function readPreModeTag(root: string): Promise<string | undefined> {
  try {
    const pre = JSON.parse(await readFile(join(root, '.changeset', 'pre.json'), 'utf8')) as { mode?: string; tag?: string };
    return pre.mode === 'pre' && typeof pre.tag === 'string' ? pre.tag : undefined;
  } catch {
    return undefined;
  }
}
