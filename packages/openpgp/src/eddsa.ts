// OpenPGP.js refuses an EdDSA signature over a hash shorter than 256 bits before checking
// it ("Hash algorithm too weak for EdDSA"), so a genuine Ed25519 + SHA-1 signature would
// read as forged. sealpack refuses weak hashes by its policy (ESEAL_WEAK_ALGORITHM, as for
// RSA), so for that case alone the Ed25519 check is made here, with Node's crypto, over
// the digest OpenPGP.js computes for the packet.
import { createPublicKey, verify } from 'node:crypto';
import { enums, type LiteralDataPacket, type SignaturePacket } from 'openpgp';
import type { KeyPacket } from './key.js';

export const WEAK_EDDSA_HASH = /Hash algorithm too weak for EdDSA/;

// Public in OpenPGP.js's JavaScript, absent from its .d.ts.
interface SignatureInternals {
  toHash(type: enums.signature, data: LiteralDataPacket, detached: boolean): Uint8Array;
  hash(type: enums.signature, data: LiteralDataPacket, toHash: Uint8Array, detached: boolean): Promise<Uint8Array>;
  params: EdDsaParams | Promise<EdDsaParams>;
}
interface EdDsaParams {
  r?: Uint8Array;
  s?: Uint8Array;
  RS?: Uint8Array;
}

const ED25519_SIZE = 32;

/** Whether an Ed25519 (v4 legacy or v6) document signature verifies over `literal`, whatever its hash. */
export async function verifyEd25519AnyHash(
  packet: SignaturePacket,
  key: KeyPacket,
  literal: LiteralDataPacket,
): Promise<boolean> {
  const internals = packet as unknown as SignatureInternals;
  const params = await internals.params;
  const publicParams = key.publicParams as { Q?: Uint8Array; A?: Uint8Array };
  let publicKey: Uint8Array | undefined;
  let signature: Uint8Array | undefined;
  if (packet.publicKeyAlgorithm === enums.publicKey.eddsaLegacy && params.r && params.s) {
    // 0x40 then the point; r and s are MPIs, left-padded as OpenPGP.js pads them.
    publicKey = publicParams.Q?.subarray(1);
    signature = Buffer.concat([leftPad(params.r), leftPad(params.s)]);
  } else if (packet.publicKeyAlgorithm === enums.publicKey.ed25519 && params.RS) {
    publicKey = publicParams.A;
    signature = params.RS;
  }
  if (publicKey?.length !== ED25519_SIZE || signature?.length !== 2 * ED25519_SIZE) return false;
  const toHash = internals.toHash(enums.signature.binary, literal, true);
  const digest = await internals.hash(enums.signature.binary, literal, toHash, true);
  const jwk = { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') };
  return verify(null, digest, createPublicKey({ key: jwk, format: 'jwk' }), signature);
}

function leftPad(bytes: Uint8Array): Uint8Array {
  if (bytes.length >= ED25519_SIZE) return bytes;
  const padded = new Uint8Array(ED25519_SIZE);
  padded.set(bytes, ED25519_SIZE - bytes.length);
  return padded;
}
