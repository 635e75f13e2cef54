// Reading an armored signature through OpenPGP.js's stream machinery costs more than
// checking it (~0.6 of ~1.1 ms for an Ed25519 signature). Signatures that sealpack and
// gpg write are simple — armored blocks of signature packets with definite lengths — so
// those are decoded here, each packet body then read by OpenPGP.js's own
// SignaturePacket. Anything else goes to readSignature, which decides.
//
// A file is read whole, as gpg and Sequoia read it: every armored block (text between
// blocks is ignored, as they ignore it), or the binary packets gpg and sq write without -a.
import { PacketList, Signature, SignaturePacket, enums, readSignature, unarmor, type AnyPacket } from './openpgp.js';
import { isSealError } from '@sealpack/diagnostics';
import { READ_CONFIG } from './config.js';
import { sealError, messageOf } from './error.js';

const SIGNATURE_TAG = 2;
const BASE64_LINE = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The most signature packets one `.asc` may hold. A seal carries a handful (signers and
 * approvers); thousands are an attack on verification time, refused before any is checked.
 */
export const MAX_SIGNATURE_PACKETS = 64;

/** One OpenPGP block of a file: its armor type (undefined for binary input) and its packets' bytes. */
export interface OpenPgpBlock {
  armor: enums.armor | undefined;
  /** The armored text of the block; undefined for binary input. */
  text: string | undefined;
  data: Uint8Array;
}

const BLOCK = /^-----BEGIN PGP ([A-Z0-9 ,/]+)-----[ \t]*\r?$[\s\S]*?^-----END PGP \1-----[ \t]*\r?$/gm;
// gpg writes the revocation certificates of ~/.gnupg/openpgp-revocs.d/ with a leading ':'
// so that nobody imports one by accident; gpg and sq then skip the block. Appended to a
// key file, it is someone's intent to revoke: refused, never skipped.
const GUARDED_BLOCK = /^:-----BEGIN PGP /m;

/** Every block of an OpenPGP file, armored (all blocks) or binary (first byte with the high bit set). */
export async function readBlocks(input: string | Uint8Array, source: string | undefined, what: string): Promise<OpenPgpBlock[]> {
  if (typeof input !== 'string' && input.length > 0 && (input[0]! & 0x80) !== 0) {
    return [{ armor: undefined, text: undefined, data: input }];
  }
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  if (GUARDED_BLOCK.test(text)) {
    throw sealError(
      'ESEAL_MALFORMED',
      `holds an armored block guarded by a leading ':' (as gpg writes revocation certificates): remove the ':' so that the block counts`,
      source,
    );
  }
  const blocks: OpenPgpBlock[] = [];
  for (const [block, label] of text.matchAll(BLOCK)) {
    const simple = simpleArmor(block, label!);
    if (simple) {
      blocks.push(simple);
      continue;
    }
    // A signature block is read only in the plain shape (headers, blank line, base64, checksum)
    // gpg and sq write: OpenPGP.js's unarmor reads past a broken footer that sqv refuses.
    if (label === 'SIGNATURE') {
      throw sealError(
        'ESEAL_MALFORMED',
        `unreadable armored ${what}: expected base64 lines, then an optional checksum line, then the END line`,
        source,
      );
    }
    try {
      const { type, data } = await unarmor(block, READ_CONFIG);
      blocks.push({ armor: type, text: block, data: data as Uint8Array });
    } catch (error) {
      throw sealError('ESEAL_MALFORMED', `unreadable armored ${what}: ${messageOf(error)}`, source, { cause: error });
    }
  }
  if (blocks.length === 0)
    throw sealError(
      'ESEAL_MALFORMED',
      `unreadable OpenPGP ${what}: expected armored or binary OpenPGP data, found neither`,
      source,
    );
  return blocks;
}

const SIMPLE_TYPES: Record<string, enums.armor> = {
  SIGNATURE: enums.armor.signature,
  'PUBLIC KEY BLOCK': enums.armor.publicKey,
  'PRIVATE KEY BLOCK': enums.armor.privateKey,
};

/** A block of headers, a blank line and base64 lines decoded here; undefined for anything else. */
function simpleArmor(block: string, label: string): OpenPgpBlock | undefined {
  const armor = SIMPLE_TYPES[label];
  if (armor === undefined) return undefined;
  const lines = block.split(/\r?\n/).map((line) => line.trimEnd());
  const blank = lines.indexOf('');
  if (blank < 0) return undefined;
  let body = lines.slice(blank + 1, -1);
  // The CRC-24 line: optional, and ignored as RFC 9580 and OpenPGP.js do.
  if (body.at(-1)?.startsWith('=')) body = body.slice(0, -1);
  if (body.length === 0 || !body.every((line) => BASE64_LINE.test(line))) return undefined;
  return { armor, text: block, data: new Uint8Array(Buffer.from(body.join(''), 'base64')) };
}

/**
 * The signature packets of every block of a detached signature (armored or binary),
 * identical packets once; unparseable (unknown version) packets are kept.
 */
export async function readSignaturePackets(input: string | Uint8Array, source: string | undefined): Promise<AnyPacket[]> {
  const blocks = await readBlocks(input, source, 'signature');
  const packets: AnyPacket[] = [];
  const seen = new Set<string>();
  let count = 0;
  for (const block of blocks) {
    if (block.armor !== undefined && block.armor !== enums.armor.signature) {
      throw sealError('ESEAL_MALFORMED', `expected only signature blocks, found a ${armorName(block.armor)} block`, source);
    }
    const read = await blockPackets(block, source);
    count += read.length;
    if (count > MAX_SIGNATURE_PACKETS) throw tooMany(source);
    for (const packet of read) {
      // Copies of one packet are one signature: checked once, reported once.
      const key = packet instanceof SignaturePacket ? packetKey(packet) : undefined;
      if (key !== undefined && seen.has(key)) continue;
      if (key !== undefined) seen.add(key);
      packets.push(packet);
    }
  }
  if (packets.length === 0) throw sealError('ESEAL_MALFORMED', 'the signature holds no signature packet', source);
  return packets;
}

async function blockPackets(block: OpenPgpBlock, source: string | undefined): Promise<AnyPacket[]> {
  const simple = simplePackets(block.data, source);
  if (simple) return simple;
  try {
    const signature = await readSignature({ binarySignature: block.data, config: READ_CONFIG });
    if (signature.packets.length > MAX_SIGNATURE_PACKETS) throw tooMany(source);
    return [...signature.packets];
  } catch (error) {
    if (isSealError(error)) throw error;
    throw sealError('ESEAL_MALFORMED', `unreadable OpenPGP signature: ${messageOf(error)}`, source, { cause: error });
  }
}

const tooMany = (source: string | undefined) =>
  sealError('ESEAL_MALFORMED', `more than ${MAX_SIGNATURE_PACKETS} signature packets: refused unchecked`, source);

// The bytes a simple packet was read from: comparing them is cheaper than writing it again.
const readFrom = new WeakMap<object, string>();

/** Identifies a packet by its bytes (copies are the same signature). */
export const packetKey = (packet: { write(): Uint8Array }): string =>
  readFrom.get(packet) ?? Buffer.from(packet.write()).toString('base64');

const armorName = (type: enums.armor): string => enums.read(enums.armor, type);

export function armorSignaturePackets(packets: readonly AnyPacket[]): string {
  const list = new PacketList<SignaturePacket>();
  list.push(...(packets as SignaturePacket[]));
  return new Signature(list).armor(READ_CONFIG);
}

/** undefined when the bytes are not the simple case. */
function simplePackets(bytes: Uint8Array, source: string | undefined): SignaturePacket[] | undefined {
  try {
    return splitPackets(bytes, source);
  } catch (error) {
    if (isSealError(error)) throw error;
    return undefined;
  }
}

function splitPackets(bytes: Uint8Array, source: string | undefined): SignaturePacket[] | undefined {
  const packets: SignaturePacket[] = [];
  let at = 0;
  const byte = (): number => {
    if (at >= bytes.length) throw new RangeError('truncated packet header');
    return bytes[at++]!;
  };
  const number = (size: number): number => {
    let value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + byte();
    return value;
  };
  while (at < bytes.length) {
    const header = byte();
    if ((header & 0x80) === 0) return undefined;
    let tag: number;
    let length: number;
    if (header & 0x40) {
      tag = header & 0x3f;
      const first = byte();
      if (first < 192) length = first;
      else if (first < 224) length = ((first - 192) << 8) + byte() + 192;
      else if (first === 255) length = number(4);
      else return undefined; // partial body lengths: never used for signatures
    } else {
      tag = (header >> 2) & 0x0f;
      const type = header & 0x03;
      if (type === 3) return undefined; // indeterminate length
      length = number(1 << type);
    }
    if (tag !== SIGNATURE_TAG || at + length > bytes.length) return undefined;
    // Counted before any is read: thousands of copies must not cost thousands of parses.
    if (packets.length === MAX_SIGNATURE_PACKETS) throw tooMany(source);
    const packet = new SignaturePacket();
    // Throws on what it cannot read; then readSignature decides (skip or refuse).
    packet.read(bytes.subarray(at, at + length));
    // The body, as write() returns it: the same key whichever header form gpg used.
    readFrom.set(packet, Buffer.from(bytes.buffer, bytes.byteOffset + at, length).toString('base64'));
    packets.push(packet);
    at += length;
  }
  return packets;
}
