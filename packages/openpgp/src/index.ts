export { generateKey } from './keygen.js';
export { readSigningKey } from './signer.js';
export { readKeyFile, readPublicKey } from './key.js';
export type { KeyFileContents } from './key.js';
export { appendSignatures, verifySignatures } from './signature.js';
export type { GenerateKeyOptions, GeneratedKey, KeyAlgorithm, KeyInfo, KeyRevocation, Signer, SubkeyInfo } from './key.types.js';
export type { SignatureCheck } from './signature.types.js';
