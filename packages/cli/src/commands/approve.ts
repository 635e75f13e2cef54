import { readFile } from 'node:fs/promises';
import { SealError } from '@sealpack/diagnostics';
import { readDetachedSeal, readTarball } from '@sealpack/manifest';
import { readSignatureIssuers, type Signer } from '@sealpack/openpgp';
import { signRegistrySeal, signTarball } from '@sealpack/sign';
import type { Context } from '../main.js';
import { signerKey } from '../facts.js';
import { loadSigner, requirePaths } from '../options.js';
import { printJson } from '../report.js';

/**
 * `sealpack approve X.tgz…`: a second person's approval (separation of duties) of a sealed
 * tarball. Appends an approval signature (the `approval@sealpack.dev` notation) to the
 * detached seal and to the registry seal beside it (`X.tgz.registry.json` + `.asc`), which
 * `sealpack publish X.tgz` carries into `dist.sealpack`. A key that signed the release is
 * refused as its approver.
 */
export async function run(args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  const tarballs = requirePaths(args, 'sealed tarball to approve', context);
  const signer = await loadSigner(options, context);
  const written: string[] = [];
  for (const tarball of tarballs) {
    await refuseOwnRelease(tarball, signer);
    const signed = await signTarball(tarball, { signer, logger: context.logger, appendOnly: true, approval: true });
    const contents = await readTarball(await readFile(tarball), tarball);
    const registry = await signRegistrySeal(
      tarball,
      { name: signed.name, version: signed.version, tarball: contents.tarball },
      { signer, approval: true },
    );
    context.record?.({
      outcome: 'ok',
      package: { name: signed.name, version: signed.version, integrity: signed.integrity },
      artifact: tarball,
      keys: [signerKey(signer)],
    });
    for (const file of [...signed.written, ...registry]) context.out(file);
    written.push(...signed.written, ...registry);
  }
  if (options.json === true) printJson(context, { ok: true, exitCode: 0, written });
  return 0;
}

/** The approver must not be a key that signed the release (a key counts once). */
async function refuseOwnRelease(tarball: string, signer: Signer): Promise<void> {
  const { manifestSignature } = readDetachedSeal(tarball);
  if (!manifestSignature) return; // signTarball refuses a tarball without a signed seal
  const issuers = await readSignatureIssuers(manifestSignature, `${tarball}.manifest.json.asc`);
  const keyId = signer.fingerprint.slice(-16);
  const own = issuers.find((i) => !i.approval && (i.issuerFingerprint === signer.fingerprint || i.issuerKeyId === keyId));
  if (own) {
    throw new SealError(
      'ESEAL_APPROVAL',
      `${tarball}: ${signer.fingerprint} signed this release: expected an approver other than its signers, found the same key; nothing was written`,
      {
        artifact: tarball,
        fingerprint: signer.fingerprint,
        expected: 'an approver that did not sign',
        found: signer.fingerprint,
      },
    );
  }
}
