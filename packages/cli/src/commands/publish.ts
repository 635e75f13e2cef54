import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SealError } from '@sealpack/diagnostics';
import { publishDirectory, publishSealedTarball, publishWorkspace, type ReleaseOutcome } from '@sealpack/publish';
import { readNpmConfig } from '@sealpack/verify/npmrc';
import { loadTrust, type Trust } from '@sealpack/trust';
import type { Context } from '../main.js';
import { signerKey } from '../facts.js';
import { hintFor } from '../hints.js';
import { loadSigner } from '../options.js';
import { printJson } from '../report.js';

/** `sealpack publish [DIR | X.tgz]`, or `-r` for a workspace (runRecursive below). */
export async function run(args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  if (options.recursive === true) return runRecursive(args, options, context);
  const target = resolve(context.cwd, String(args[0] ?? '.'));
  const isTarball = target.endsWith('.tgz') || (await stat(target).catch(() => undefined))?.isFile() === true;
  // The key is read (and decrypted) before anything is packed: a wrong passphrase publishes nothing.
  const signer = await loadSigner(options, context);
  const trust = await loadOwnTrust(isTarball ? context.cwd : target);
  const npm = readNpmConfig({
    cwd: isTarball ? context.cwd : target,
    env: context.env,
    flags: { registry: options.registry as string | undefined },
  });
  const publishOptions = {
    signer,
    npm,
    trust,
    tag: options.tag as string | undefined,
    access: options.access as string | undefined,
    otp: options.otp === undefined ? undefined : String(options.otp),
    dryRun: options.dryRun === true,
    provenance: options.provenance === true ? true : undefined,
    logger: context.logger,
  };

  const result = isTarball
    ? await publishSealedTarball(target, publishOptions)
    : await publishDirectory(target, { ...publishOptions, env: context.env, ignoreScripts: options.ignoreScripts === true });
  context.record?.({
    outcome: 'ok',
    package: { name: result.name, version: result.version, integrity: result.integrity },
    artifact: result.tarball,
    keys: [signerKey(signer)],
  });
  if (options.json === true)
    printJson(context, { ok: true, exitCode: 0, ...result, tarball: isTarball ? result.tarball : undefined });
  else context.out(`${result.dryRun ? 'dry run: ' : ''}+ ${result.name}@${result.version} (${result.tag}) ${result.registry}`);
  return 0;
}

/**
 * The publisher's own pinned trust, when the repository has one: a revoked signing key is
 * refused and a given tarball's signatures are checked. Trust that exists but cannot be read
 * (EACCES, a broken .js config) stops the publish: carrying on would skip the revocation check.
 */
async function loadOwnTrust(cwd: string): Promise<Trust | undefined> {
  try {
    return await loadTrust({ cwd });
  } catch (error) {
    if (error instanceof SealError) throw error;
    throw new SealError(
      'ESEAL_CONFIG',
      `cannot load the keyring and policy in ${cwd}: ${(error as Error).message}; nothing was published`,
      {
        artifact: cwd,
        cause: error,
      },
    );
  }
}

const LABELS: Record<ReleaseOutcome['status'], string> = {
  published: 'published',
  exists: 'already in registry',
  failed: 'FAILED',
  skipped: 'skipped',
};

/** `sealpack publish -r`: the workspace, dependencies first; a table of every package's outcome. */
async function runRecursive(args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  const dir = resolve(context.cwd, String(args[0] ?? '.'));
  const signer = await loadSigner(options, context);
  const trust = await loadOwnTrust(dir);
  const registry = options.registry as string | undefined;
  const result = await publishWorkspace(dir, {
    signer,
    trust,
    npmFor: ({ dir: pkgDir, root }) => readNpmConfig({ cwd: pkgDir, root, env: context.env, flags: { registry } }),
    tag: options.tag as string | undefined,
    access: options.access as string | undefined,
    otp: options.otp === undefined ? undefined : String(options.otp),
    dryRun: options.dryRun === true,
    provenance: options.provenance === true ? true : undefined,
    // cac turns --no-git-tag into gitTag: false.
    gitTag: options.gitTag !== false,
    ignoreScripts: options.ignoreScripts === true,
    env: context.env,
    logger: context.logger,
  });
  for (const o of result.outcomes.filter((o) => o.status === 'published' || o.status === 'failed')) {
    const failed = o.status === 'failed';
    context.record?.({
      outcome: failed ? 'fail' : 'ok',
      package: { name: o.name, version: o.version },
      keys: failed ? [] : [signerKey(signer)],
    });
  }
  if (options.json === true) {
    const { ok, ...rest } = result;
    // Each failed package with the hint its human line has.
    const outcomes = rest.outcomes.map((o) => (o.code ? { ...o, hint: hintFor(o.code, o.found) } : o));
    printJson(context, { ok, exitCode: ok ? 0 : 1, ...rest, outcomes });
    return ok ? 0 : 1;
  }
  context.out(formatTable(result.outcomes, result.dryRun));
  // A failing build's whole output, below the table that names it.
  for (const o of result.outcomes.filter((o) => o.details?.length)) {
    context.out(`${o.name}@${o.version}:`);
    for (const line of o.details!) context.out(`  ${line}`);
    if (o.code) context.out(`  hint: ${hintFor(o.code, o.found)}`);
  }
  // changesets' own lines: changesets/action reads them to know what was published.
  for (const tag of result.newTags) context.out(`New tag:  ${tag}`);
  const count = (status: ReleaseOutcome['status']) => result.outcomes.filter((o) => o.status === status).length;
  context.out(
    `sealpack publish -r: ${result.dryRun ? 'dry run: ' : ''}${count('published')} published, ${count('exists')} already in registry, ${count('failed')} failed, ${count('skipped')} skipped`,
  );
  return result.ok ? 0 : 1;
}

function formatTable(outcomes: ReleaseOutcome[], dryRun: boolean): string {
  const rows = [['package', 'version', 'outcome'], ...outcomes.map((o) => [o.name, o.version, describe(o, dryRun)])];
  const widths = [0, 1].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => `${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]}`).join('\n');
}

function describe(outcome: ReleaseOutcome, dryRun: boolean): string {
  const label = outcome.status === 'published' && dryRun ? 'would publish' : LABELS[outcome.status];
  const tag = outcome.status === 'published' && outcome.tag ? ` (${outcome.tag})` : '';
  return `${label}${tag}${outcome.reason ? `: ${outcome.reason}` : ''}`;
}
