import { resolve } from 'node:path';
import { sealTarball, type SealedTarball } from '@sealpack/publish';
import type { Context } from '../main.js';
import { signerKey } from '../facts.js';
import { loadSigner, requirePaths } from '../options.js';
import { printJson } from '../report.js';

/** `sealpack seal X.tgz… [--out DIR]`: seals tarballs as they are (any root folder), nothing repacked. */
export async function run(args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  const tarballs = requirePaths(args, 'tarball to seal', context);
  const signer = await loadSigner(options, context);
  const outDir = typeof options.out === 'string' ? resolve(context.cwd, options.out) : undefined;
  const sealed: SealedTarball[] = [];
  for (const tarball of tarballs) {
    const started = performance.now();
    const result = await sealTarball(tarball, { signer, outDir, logger: context.logger });
    context.record?.({
      outcome: 'ok',
      package: { name: result.name, version: result.version },
      artifact: result.tarball,
      keys: [signerKey(signer)],
      durationMs: performance.now() - started,
    });
    sealed.push(result);
    if (options.json !== true) for (const file of [result.tarball, ...result.seal]) context.out(file);
  }
  if (options.json === true) printJson(context, { ok: true, exitCode: 0, sealed });
  return 0;
}
