import { readTarballs } from '@sealpack/verify/tarball-reads';
import type { Context } from '../main.js';
import { parseAt, requirePaths } from '../options.js';
import { printVerdict } from '../report.js';

export async function run(args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  const tarballs = requirePaths(args, 'tarball to verify', context);
  const at = parseAt(options.at);
  // Reading starts before the trust and the signature code load (OpenPGP.js: most of start-up),
  // so that the workers hash while this thread loads them.
  const reads = readTarballs(tarballs);
  try {
    const [{ loadRunTrust }, { verifyTarballs }] = await Promise.all([import('../trust.js'), import('@sealpack/verify/tarball')]);
    const trust = await loadRunTrust(context, options);
    const verdict = await verifyTarballs(tarballs, { trust, at, logger: context.logger, reads });
    return printVerdict(verdict, { json: options.json === true, title: 'sealpack verify' }, context);
  } finally {
    await reads.close();
  }
}
