export { generateKey } from './keygen.js';
export { readPrivateKey, readSigningKey } from './signer.js';
export { externalSigner } from './external.js';
export type { ExternalSignerOptions } from './external.js';
export { gpgCertifier, gpgSigner } from './gpg.js';
export type { GpgSignerOptions } from './gpg.js';
export { readKeyFile, readPublicKey } from './key.js';
export type { KeyFileContents } from './key.js';
export { appendSignatures, verifySignatures } from './signature.js';
export type {
  GenerateKeyOptions,
  GeneratedKey,
  KeyAlgorithm,
  KeyInfo,
  KeyRevocation,
  SignOptions,
  Signer,
  SubkeyInfo,
} from './key.types.js';
export type { SignatureCheck } from './signature.types.js';
export { keyFileCertifier, rotateKey, readKeyMaterial } from './certify.js';
export type { Certification, KeyCertifier, KeyMaterial, RevocationCertificate, RotatedKey } from './certify.js';
export { APPROVAL_NOTATION, readSignatureIssuers } from './approval.js';
