export { generateKey } from './keygen.js';
export { readSigningKey } from './signer.js';
export { readPublicKey } from './key.js';
export { appendSignatures, verifySignatures } from './signature.js';
export type { GenerateKeyOptions, GeneratedKey, KeyAlgorithm, KeyInfo, KeyRevocation, Signer, SubkeyInfo } from './key.types.js';
export type { SignatureCheck } from './signature.types.js';
