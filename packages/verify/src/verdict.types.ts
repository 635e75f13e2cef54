import type { Finding } from '@sealpack/diagnostics';
import type { SignerInfo } from '@sealpack/trust';

/** The result for one thing checked: a tarball, an installed package, a lockfile entry. */
export interface SubjectResult {
  artifact: string;
  package?: string;
  version?: string;
  /** `unsigned`: no seal, allowed or warned about by policy. */
  status: 'pass' | 'fail' | 'unsigned';
  signers: SignerInfo[];
  findings: Finding[];
}

export interface Verdict {
  ok: boolean;
  subjects: SubjectResult[];
  /** Every finding of every subject, in deterministic order. */
  findings: Finding[];
  summary: { checked: number; passed: number; failed: number; unsigned: number; errors: number; warnings: number };
}
