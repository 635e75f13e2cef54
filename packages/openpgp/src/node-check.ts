// Document signature checks with Node's crypto and one imported key per (sub)key.
//
// OpenPGP.js's SignaturePacket.verify imports the key into WebCrypto again on every check
// and awaits it (~0.3 of ~0.6 ms for Ed25519). Here each signing (sub)key becomes one Node
// KeyObject, made on first use and kept on its SigningCandidate, and Ed25519 (v4 EdDSA
// legacy, v6 Ed25519) and RSA PKCS#1 v1.5 document signatures are checked synchronously,
// over the very bytes OpenPGP.js hashes for the packet (its own toHash). Synchronously on
// purpose: on libuv's thread pool (verify with a callback) each answer comes back through a
// turn of the event loop, and 1,000 lockfile seals then cost ~0.1 s more CPU in all for
// ~0.05 s less on the main thread (measured; the same with a setImmediate per sync check).
//
// Never more lenient than SignaturePacket.verify: every refusal of verify() as sealpack
// calls it (ANY_TIME, READ_CONFIG) is made here too, and anything unusual (a critical
// subpacket or notation, a revocation key, another packet version, a hash or curve not
// listed below, a key Node cannot import) is left to OpenPGP.js (`undefined`).
//
// One deliberate difference, kept from before: OpenPGP.js refuses an EdDSA signature over a
// hash shorter than 256 bits before checking it ("Hash algorithm too weak for EdDSA"), so
// a genuine Ed25519 + SHA-1 signature would read as forged. sealpack refuses weak hashes by
// its policy (ESEAL_WEAK_ALGORITHM, as for RSA): here such a signature is checked, and
// reported valid over the bytes, for the policy to refuse; a forged one stays invalid.
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { enums, type LiteralDataPacket, type SignaturePacket } from './openpgp.js';
import { READ_CONFIG } from './config.js';
import { hashName } from './names.js';
import type { KeyPacket, SigningCandidate } from './key.js';

// Public in OpenPGP.js's JavaScript, absent from its .d.ts.
interface SignatureInternals {
  toHash(type: enums.signature, data: LiteralDataPacket, detached: boolean): Uint8Array;
  params: SignatureParams | Promise<SignatureParams>;
  hashed?: unknown;
  salt?: Uint8Array;
  signatureData?: unknown;
  unknownSubpackets: { type: number; critical: boolean }[];
  revocationKeyClass: number | null;
}
interface SignatureParams {
  r?: Uint8Array;
  s?: Uint8Array;
  RS?: Uint8Array;
}
interface PublicParams {
  oid?: { getName(): string };
  Q?: Uint8Array;
  A?: Uint8Array;
  n?: Uint8Array;
  e?: Uint8Array;
}

/** What a (sub)key's check needs, made once per key: Node's key and how to use it. */
export type NodeKey = { kind: 'ed25519'; key: KeyObject } | { kind: 'rsa'; key: KeyObject; size: number };

const ED25519_SIZE = 32;
// RFC 9580 §9.5, as OpenPGP.js's saltLengthForHash: a v6 signature's salt size per hash.
const V6_SALT_SIZES: Record<number, number> = {
  [enums.hash.sha224]: 16,
  [enums.hash.sha256]: 16,
  [enums.hash.sha384]: 24,
  [enums.hash.sha512]: 32,
  [enums.hash.sha3_256]: 16,
  [enums.hash.sha3_512]: 32,
};
// The hashes OpenPGP.js computes with Node's crypto: hashName gives Node's own names.
const NODE_HASHES = new Set<number>([
  enums.hash.md5,
  enums.hash.sha1,
  enums.hash.ripemd,
  enums.hash.sha224,
  enums.hash.sha256,
  enums.hash.sha384,
  enums.hash.sha512,
  enums.hash.sha3_256,
  enums.hash.sha3_512,
]);

/**
 * '' when the binary document signature verifies over `literal` with the candidate's key,
 * else why not (OpenPGP.js's words for the same refusal); undefined when this check does
 * not apply and SignaturePacket.verify must decide.
 */
export function checkDocumentSignature(
  packet: SignaturePacket,
  candidate: SigningCandidate,
  literal: LiteralDataPacket,
): string | undefined {
  const internals = packet as unknown as SignatureInternals;
  const { hashAlgorithm: hash, signedHashValue: prefix, publicKeyAlgorithm: algorithm } = packet;
  if (hash === null || prefix === null || algorithm === null) return undefined;
  const key = nodeKeyOf(candidate);
  if (!key || !usual(packet, hash, internals, candidate.packet)) return undefined;
  const params = internals.params as SignatureParams;
  if (packet.version === 6 && internals.salt?.length !== V6_SALT_SIZES[hash]) return undefined;
  let toHash: Uint8Array;
  let digest: Buffer;
  try {
    toHash = internals.toHash(enums.signature.binary, literal, true);
    digest = createHash(hashName(hash)).update(toHash).digest();
  } catch {
    return undefined;
  }
  if (prefix[0] !== digest[0] || prefix[1] !== digest[1]) return 'Signed digest did not match';
  try {
    if (key.kind === 'ed25519') {
      const signature = ed25519Signature(algorithm, params);
      if (!signature) return undefined;
      // Ed25519 in OpenPGP signs the digest itself, not the data.
      return verify(null, digest, key.key, signature) ? '' : 'Signature verification failed';
    }
    // PKCS#1 v1.5 is over the data with the packet's hash, as OpenPGP.js's own Node path.
    if (!params.s || params.s.length > key.size) return undefined;
    return verify(hashName(hash), toHash, key.key, leftPad(params.s, key.size)) ? '' : 'Signature verification failed';
  } catch {
    // Node refused to try (a key or hash it cannot use): OpenPGP.js decides.
    return undefined;
  }
}

/** What SignaturePacket.verify refuses or treats specially, checked before anything else. */
function usual(packet: SignaturePacket, hash: enums.hash, internals: SignatureInternals, key: KeyPacket): boolean {
  return (
    (packet.version === 4 || packet.version === 6) &&
    packet.signatureType === enums.signature.binary &&
    packet.publicKeyAlgorithm === key.algorithm &&
    packet.issuerKeyID.equals(key.getKeyID()) &&
    NODE_HASHES.has(hash) &&
    !READ_CONFIG.rejectHashAlgorithms.has(hash) &&
    !READ_CONFIG.rejectMessageHashAlgorithms.has(hash) &&
    // Set only on packets OpenPGP.js signs itself; a read packet has the bytes only.
    !internals.hashed &&
    internals.signatureData instanceof Uint8Array &&
    !(internals.params instanceof Promise) &&
    internals.revocationKeyClass === null &&
    !internals.unknownSubpackets.some((subpacket) => subpacket.critical) &&
    !packet.rawNotations.some((notation) => notation.critical && !READ_CONFIG.knownNotations.includes(notation.name))
  );
}

// Made on first use, kept on the candidate: null when Node cannot hold the key (another
// algorithm or curve, or parameters it refuses), so OpenPGP.js checks that key's signatures.
function nodeKeyOf(candidate: SigningCandidate): NodeKey | null {
  if (candidate.nodeKey === undefined) candidate.nodeKey = importKey(candidate.packet);
  return candidate.nodeKey;
}

function importKey(packet: KeyPacket): NodeKey | null {
  const params = packet.publicParams as PublicParams;
  const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
  try {
    switch (packet.algorithm) {
      case enums.publicKey.eddsaLegacy: {
        // 0x40 then the 32-byte point, on the one curve OpenPGP.js checks EdDSA legacy on.
        const { oid, Q } = params;
        if (oid?.getName() !== enums.curve.ed25519Legacy || Q?.length !== ED25519_SIZE + 1 || Q[0] !== 0x40) return null;
        return { kind: 'ed25519', key: createPublicKey({ key: okp(base64url(Q.subarray(1))), format: 'jwk' }) };
      }
      case enums.publicKey.ed25519: {
        const { A } = params;
        if (A?.length !== ED25519_SIZE) return null;
        return { kind: 'ed25519', key: createPublicKey({ key: okp(base64url(A)), format: 'jwk' }) };
      }
      case enums.publicKey.rsaEncryptSign:
      case enums.publicKey.rsaSign: {
        const { n, e } = params;
        if (!n || !e) return null;
        const key = createPublicKey({ key: { kty: 'RSA', n: base64url(n), e: base64url(e) }, format: 'jwk' });
        return { kind: 'rsa', key, size: n.length };
      }
      default:
        return null;
    }
  } catch {
    return null;
  }
}

const okp = (x: string) => ({ kty: 'OKP', crv: 'Ed25519', x });

/** The 64-byte R || S of an Ed25519 signature: v6 carries it whole; v4 as two MPIs, left-padded as OpenPGP.js pads them. */
function ed25519Signature(algorithm: enums.publicKey, params: SignatureParams): Uint8Array | undefined {
  if (algorithm === enums.publicKey.ed25519) return params.RS?.length === 2 * ED25519_SIZE ? params.RS : undefined;
  if (!params.r || !params.s || params.r.length > ED25519_SIZE || params.s.length > ED25519_SIZE) return undefined;
  return Buffer.concat([leftPad(params.r, ED25519_SIZE), leftPad(params.s, ED25519_SIZE)]);
}

function leftPad(bytes: Uint8Array, size: number): Uint8Array {
  if (bytes.length === size) return bytes;
  const padded = new Uint8Array(size);
  padded.set(bytes, size - bytes.length);
  return padded;
}
