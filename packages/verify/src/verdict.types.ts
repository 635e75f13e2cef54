import type { Finding } from '@sealpack/diagnostics';
import type { SignerInfo } from '@sealpack/trust';

/** The result for one thing checked: a tarball, an installed package, a lockfile entry. */
export interface SubjectResult {
  artifact: string;
  package?: string;
  version?: string;
  /** `fail` when any finding is an error; unsealed packages that policy allows are reported as findings. */
  status: 'pass' | 'fail';
  signers: SignerInfo[];
  findings: Finding[];
}

export interface Verdict {
  ok: boolean;
  subjects: SubjectResult[];
  /** Every finding of every subject, in deterministic order. */
  findings: Finding[];
  summary: {
    checked: number;
    passed: number;
    failed: number;
    errors: number;
    warnings: number;
    /** Packages without a seal that policy let through (`unsigned: warn | allow`), where the check counts them. */
    unsealed?: number;
  };
}
