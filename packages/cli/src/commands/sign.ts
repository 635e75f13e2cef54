import { signTarball } from '@sealpack/sign';
import type { Context } from '../main.js';
import { signerKey } from '../facts.js';
import { loadSigner, requirePaths } from '../options.js';
import { printJson } from '../report.js';

export async function run(args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  const tarballs = requirePaths(args, 'tarball to sign', context);
  const signer = await loadSigner(options, context);
  const written: string[] = [];
  for (const tarball of tarballs) {
    const started = performance.now();
    const signed = await signTarball(tarball, { signer, logger: context.logger });
    context.record?.({
      outcome: 'ok',
      package: { name: signed.name, version: signed.version, integrity: signed.integrity },
      artifact: tarball,
      keys: [signerKey(signer)],
      durationMs: performance.now() - started,
    });
    for (const file of signed.written) context.out(file);
    written.push(...signed.written);
  }
  if (options.json === true) printJson(context, { ok: true, exitCode: 0, written });
  return 0;
}
