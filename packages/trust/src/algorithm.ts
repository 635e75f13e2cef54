export interface AlgorithmProblem {
  rule: string;
  expected: string;
  found: string;
}

// Names as @sealpack/openpgp reports them (v4 EdDSA-legacy and v6 Ed25519 are both `ed25519`).
// DSA, ElGamal, encryption-only and unknown algorithms are refused.
const ACCEPTED_CURVE_ALGORITHMS = new Set(['ed25519', 'ed448', 'ecdsa', 'mldsa-ed25519']);

/**
 * Why a key's algorithm or size is refused by policy, or undefined when it is accepted. One
 * rule for signatures (judgement.ts), pinned keys (loadTrust) and certifiers (rotation.ts).
 */
export function algorithmProblem(algorithm: string, bits: number | undefined, minRsaBits: number): AlgorithmProblem | undefined {
  const name = algorithm.toLowerCase();
  if (name.startsWith('rsa')) {
    if (bits !== undefined && bits >= minRsaBits) return undefined;
    return {
      rule: 'algorithms.minRsaBits',
      expected: `RSA of at least ${minRsaBits} bits`,
      found: `RSA ${bits ?? 'of unknown size'}${bits === undefined ? '' : ' bits'}`,
    };
  }
  if (ACCEPTED_CURVE_ALGORITHMS.has(name)) return undefined;
  return { rule: 'algorithms', expected: 'RSA, ECDSA or EdDSA', found: algorithm };
}
