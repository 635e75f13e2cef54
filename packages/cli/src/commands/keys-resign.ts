import { signTarball } from '@sealpack/sign';
import type { Context } from '../main.js';
import { loadSigner, requirePaths } from '../options.js';
import { printJson } from '../report.js';

/**
 * `sealpack keys resign X.tgz… --key NEW.key.asc`: adds the new key's signatures to the
 * detached seals of earlier releases (X.tgz.asc, X.tgz.manifest.json.asc), so consumers can
 * retire the old key entirely later. Published versions are immutable: the registry seal and
 * the embedded seal keep the signatures they were published with. A tarball without a signed
 * seal of its own bytes is refused, never sealed afresh.
 */
export async function run(args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  const tarballs = requirePaths(args, 'sealed tarball to re-sign', context);
  const signer = await loadSigner(options, context);
  const written: string[] = [];
  for (const tarball of tarballs) {
    const signed = await signTarball(tarball, { signer, logger: context.logger, appendOnly: true });
    for (const file of signed.written) context.out(file);
    written.push(...signed.written);
  }
  if (options.json === true) printJson(context, { ok: true, exitCode: 0, written });
  return 0;
}
