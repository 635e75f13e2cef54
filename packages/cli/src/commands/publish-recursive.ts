import { resolve } from 'node:path';
import { publishWorkspace, readNpmConfig, type ReleaseOutcome } from '@sealpack/publish';
import type { Context } from '../main.js';
import { loadSigner } from '../options.js';
import { loadOwnTrust } from './publish.js';

const LABELS: Record<ReleaseOutcome['status'], string> = {
  published: 'published',
  exists: 'already in registry',
  failed: 'FAILED',
  skipped: 'skipped',
};

/** `sealpack publish -r`: the workspace, dependencies first; a table of every package's outcome. */
export async function run(args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  const dir = resolve(context.cwd, String(args[0] ?? '.'));
  const signer = await loadSigner(options, context);
  const trust = await loadOwnTrust(dir, context);
  const registry = options.registry as string | undefined;
  const result = await publishWorkspace(dir, {
    signer,
    trust,
    npmFor: ({ dir: pkgDir, root }) => readNpmConfig({ cwd: pkgDir, root, env: context.env, flags: { registry } }),
    tag: options.tag as string | undefined,
    access: options.access as string | undefined,
    otp: options.otp === undefined ? undefined : String(options.otp),
    dryRun: options.dryRun === true,
    // cac turns --no-git-tag into gitTag: false.
    gitTag: options.gitTag !== false,
    env: context.env,
    logger: context.logger,
  });
  if (options.json === true) {
    context.out(JSON.stringify(result, null, 2));
  } else {
    context.out(formatTable(result.outcomes, result.dryRun));
    for (const tag of result.gitTags) context.out(`git tag ${tag}`);
  }
  const count = (status: ReleaseOutcome['status']) => result.outcomes.filter((o) => o.status === status).length;
  context.err(
    `sealpack publish -r: ${result.dryRun ? 'dry run: ' : ''}${count('published')} published, ${count('exists')} already in registry, ${count('failed')} failed, ${count('skipped')} skipped`,
  );
  return result.ok ? 0 : 1;
}

export function formatTable(outcomes: ReleaseOutcome[], dryRun: boolean): string {
  const rows = [['package', 'version', 'outcome'], ...outcomes.map((o) => [o.name, o.version, describe(o, dryRun)])];
  const widths = [0, 1].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => `${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]}`).join('\n');
}

function describe(outcome: ReleaseOutcome, dryRun: boolean): string {
  const label = outcome.status === 'published' && dryRun ? 'would publish' : LABELS[outcome.status];
  const tag = outcome.status === 'published' && outcome.tag ? ` (${outcome.tag})` : '';
  return `${label}${tag}${outcome.reason ? `: ${outcome.reason}` : ''}`;
}
