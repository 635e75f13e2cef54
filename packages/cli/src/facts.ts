// What commands tell the ledger (through `context.record`): facts only; the CLI's wrapper
// (main.ts) adds who, when and how long, and appends them in one place.
import type { EventFacts } from '@sealpack/ledger';
import type { Signer } from '@sealpack/openpgp';
import type { Verdict } from '@sealpack/verify';

/** One fact per subject of a verdict: outcome, codes of its findings, the keys that signed it. */
export function verdictFacts(verdict: Verdict): EventFacts[] {
  return verdict.subjects.map((subject) => ({
    outcome: subject.status === 'pass' ? 'ok' : 'fail',
    codes: subject.findings.map((f) => f.code),
    ...(subject.package && subject.version ? { package: { name: subject.package, version: subject.version } } : {}),
    artifact: subject.artifact,
    keys: subject.signers.map((s) => ({ fingerprint: s.fingerprint, name: s.keyName })),
  }));
}

/** The signing key as a fact (the wrapper adds its pinned name and algorithm when it is pinned). */
export const signerKey = (signer: Signer) => ({
  fingerprint: signer.fingerprint,
  ...(signer.userId ? { name: signer.userId } : {}),
});
