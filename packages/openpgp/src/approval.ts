// An approval (DESIGN.md, "Policy": separation of duties) is an ordinary detached binary
// signature over the same bytes that carries this notation in its hashed area: covered by the
// signature, so it can be neither added to a release signature nor stripped from an approval
// after the fact. Non-critical, so gpg and sqv still check the signature itself.
import { SignaturePacket as SignaturePacketClass, type RawNotation, type SignaturePacket } from './openpgp.js';
import { readSignaturePackets } from './armor.js';
import { hex } from './names.js';

/** The notation name that marks an approval signature (RFC 9580 §5.2.3.24, user namespace). */
export const APPROVAL_NOTATION = 'approval@sealpack.dev';
/** Its value: the format of what an approval states. */
export const APPROVAL_VALUE = 'sealpack/approval@1';

export const approvalNotation = (): RawNotation => ({
  name: APPROVAL_NOTATION,
  value: new TextEncoder().encode(APPROVAL_VALUE),
  humanReadable: true,
  critical: false,
});

/** True when the packet's hashed area carries the approval notation (OpenPGP.js reads notations from the hashed area only). */
export function isApprovalPacket(packet: SignaturePacket): boolean {
  return packet.rawNotations.some((n) => n.name === APPROVAL_NOTATION);
}

/** Who made each packet of an armored signature (as the packet states it, unchecked), and whether it is an approval. */
export async function readSignatureIssuers(
  armored: string | Uint8Array,
  source?: string,
): Promise<{ issuerKeyId: string; issuerFingerprint?: string; approval: boolean }[]> {
  const packets = await readSignaturePackets(armored, source);
  return packets
    .filter((p): p is SignaturePacket => p instanceof SignaturePacketClass)
    .map((p) => ({
      issuerKeyId: p.issuerKeyID.toHex().toUpperCase(),
      ...(p.issuerFingerprint ? { issuerFingerprint: hex(p.issuerFingerprint) } : {}),
      approval: isApprovalPacket(p),
    }));
}
