// The one module that loads OpenPGP.js; every other file imports it from here. Through its
// CommonJS entry (package.json "require": dist/node/openpgp.min.cjs, 396 KB minified), not the
// ESM one ("import": dist/node/openpgp.mjs, 1.2 MB): Node compiles the smaller file faster, and on
// Node 20, which has no compile cache, that is paid on every run (~10 ms of a verify's start-up).
// One module owns the load because two copies of OpenPGP.js in a process would each have their
// own classes, and `instanceof` checks between them would fail.
import { createRequire } from 'node:module';
import type * as OpenPGP from 'openpgp';
import type { AnyPacket } from 'openpgp';

const openpgp = createRequire(import.meta.url)('openpgp') as typeof OpenPGP;

export const {
  armor,
  config,
  createMessage,
  decryptKey,
  generateKey,
  LiteralDataPacket,
  PacketList,
  PublicKey,
  PublicKeyPacket,
  PublicSubkeyPacket,
  readKey,
  readSignature,
  SecretKeyPacket,
  SecretSubkeyPacket,
  sign,
  Signature,
  SignaturePacket,
  unarmor,
  UnparseablePacket,
  UserAttributePacket,
  UserIDPacket,
} = openpgp;
export const enums: typeof OpenPGP.enums = openpgp.enums;
// The enums and classes are types too, as in OpenPGP.js's own declarations.
// eslint-disable-next-line @typescript-eslint/no-namespace -- types only, merged with the value above
export declare namespace enums {
  export type armor = OpenPGP.enums.armor;
  export type hash = OpenPGP.enums.hash;
  export type literal = OpenPGP.enums.literal;
  export type publicKey = OpenPGP.enums.publicKey;
  export type reasonForRevocation = OpenPGP.enums.reasonForRevocation;
  export type signature = OpenPGP.enums.signature;
}
export type LiteralDataPacket = OpenPGP.LiteralDataPacket;
export type PacketList<T extends AnyPacket> = OpenPGP.PacketList<T>;
export type PublicKey = OpenPGP.PublicKey;
export type PublicKeyPacket = OpenPGP.PublicKeyPacket;
export type PublicSubkeyPacket = OpenPGP.PublicSubkeyPacket;
export type SecretKeyPacket = OpenPGP.SecretKeyPacket;
export type SecretSubkeyPacket = OpenPGP.SecretSubkeyPacket;
export type Signature = OpenPGP.Signature;
export type SignaturePacket = OpenPGP.SignaturePacket;
export type UnparseablePacket = OpenPGP.UnparseablePacket;
export type UserAttributePacket = OpenPGP.UserAttributePacket;
export type UserIDPacket = OpenPGP.UserIDPacket;
export type { AlgorithmInfo, AnyPacket, Config, Key, KeyOptions, PrivateKey, RawNotation, Subkey } from 'openpgp';
