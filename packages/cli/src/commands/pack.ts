import { resolve } from 'node:path';
import { packSealed } from '@sealpack/publish';
import type { Context } from '../main.js';
import { signerKey } from '../facts.js';
import { loadSigner } from '../options.js';
import { printJson } from '../report.js';

export async function run(args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  const dir = resolve(context.cwd, String(args[0] ?? '.'));
  const signer = await loadSigner(options, context);
  const packed = await packSealed(dir, {
    signer,
    outDir: resolve(context.cwd, String(options.out ?? '.')),
    env: context.env,
    ignoreScripts: options.ignoreScripts === true,
    logger: context.logger,
  });
  context.record?.({
    outcome: 'ok',
    package: { name: packed.name, version: packed.version },
    artifact: packed.tarball,
    keys: [signerKey(signer)],
  });
  if (options.json === true) printJson(context, { ok: true, exitCode: 0, ...packed });
  else context.out(packed.tarball);
  return 0;
}
