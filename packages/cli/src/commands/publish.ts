import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SealError } from '@sealpack/diagnostics';
import { publishDirectory, publishSealedTarball, readNpmConfig } from '@sealpack/publish';
import { loadTrust, type Trust } from '@sealpack/trust';
import type { Context } from '../main.js';
import { loadSigner } from '../options.js';

/** `sealpack publish [DIR | X.tgz]`, or `-r` for a workspace (see publish-recursive). */
export async function run(args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  if (options.recursive === true) return (await import('./publish-recursive.js')).run(args, options, context);
  const target = resolve(context.cwd, String(args[0] ?? '.'));
  const isTarball = target.endsWith('.tgz') || (await stat(target).catch(() => undefined))?.isFile() === true;
  // The key is read (and decrypted) before anything is packed: a wrong passphrase publishes nothing.
  const signer = await loadSigner(options, context);
  const trust = await loadOwnTrust(isTarball ? context.cwd : target, context);
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
    logger: context.logger,
  };

  const result = isTarball
    ? await publishSealedTarball(target, publishOptions)
    : await publishDirectory(target, { ...publishOptions, env: context.env });
  if (options.json === true) context.out(JSON.stringify({ ...result, tarball: isTarball ? result.tarball : undefined }, null, 2));
  else context.out(`${result.dryRun ? 'dry run: ' : ''}+ ${result.name}@${result.version} (${result.tag}) ${result.registry}`);
  return 0;
}

/**
 * The publisher's own pinned trust, when the repository has one: a revoked signing key is
 * refused and a given tarball's signatures are checked. A repository without sealpack
 * config still publishes (with a warning from the seal check).
 */
export async function loadOwnTrust(cwd: string, context: Context): Promise<Trust | undefined> {
  try {
    const trust = await loadTrust({ cwd });
    return trust;
  } catch (error) {
    if (error instanceof SealError) throw error;
    context.logger.warn(`cannot load the keyring and policy: ${(error as Error).message}`);
    return undefined;
  }
}
