import { execFile } from 'node:child_process';
import type { ManifestSource } from '@sealpack/manifest';

/** Runs git; undefined when it fails (not a checkout, no such remote). */
function git(args: string[], cwd: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, encoding: 'utf8', windowsHide: true }, (error, stdout) =>
      resolve(error ? undefined : stdout.trim()),
    );
  });
}

/** Drops `user:token@` from a remote URL: a CI checkout's credentials must never be signed into a manifest. */
export function redactRemote(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.href;
  } catch {
    // scp-like `git@host:owner/repo.git`: no secret in it.
    return url;
  }
}

/** The git remote (`origin`) and commit `dir` is built from, when `dir` is in a git checkout. */
export async function readGitSource(dir: string): Promise<ManifestSource | undefined> {
  const [commit, remote] = await Promise.all([git(['rev-parse', 'HEAD'], dir), git(['remote', 'get-url', 'origin'], dir)]);
  if (!commit) return undefined;
  if (!remote) return { commit };
  return { repository: redactRemote(remote), commit };
}

/** Existing tags among `names`. */
async function existingTags(names: string[], cwd: string): Promise<Set<string>> {
  const out = await git(['tag', '--list', ...names], cwd);
  return new Set((out ?? '').split('\n').filter(Boolean));
}

/**
 * Creates the annotated tag `name@version` per published package, as `changeset publish`
 * does; existing tags are kept (a rerun after a partial release). Returns the tags made.
 */
export async function createGitTags(
  tags: string[],
  cwd: string,
): Promise<{ created: string[]; failed: string[]; checkout: boolean }> {
  // Not a git checkout (a release from an exported tree): nothing to tag, nothing failed.
  if ((await git(['rev-parse', '--git-dir'], cwd)) === undefined) return { created: [], failed: [], checkout: false };
  const existing = await existingTags(tags, cwd);
  const created: string[] = [];
  const failed: string[] = [];
  for (const tag of tags) {
    if (existing.has(tag)) continue;
    if ((await git(['tag', '-a', tag, '-m', tag], cwd)) !== undefined) created.push(tag);
    else failed.push(tag);
  }
  return { created, failed, checkout: true };
}
