import type { SealCode } from './codes.js';
import type { Finding } from './finding.types.js';

type Details = Omit<Finding, 'code' | 'severity' | 'message'> & {
  cause?: unknown;
  /** Further `path: message` lines, e.g. every schema error of a config file. */
  details?: string[];
};

/** The one error class every sealpack package throws: a stable `code` plus what it is about. */
export class SealError extends Error {
  readonly code: SealCode;
  /** Further lines, `\n`-separated (a string, as test runners like uvu expect of `details`). */
  readonly details: string;
  readonly info: Omit<Finding, 'code' | 'severity' | 'message'>;

  constructor(code: SealCode, message: string, details: Details = {}) {
    const { cause, details: lines = [], ...info } = details;
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'SealError';
    this.code = code;
    this.details = lines.join('\n');
    this.info = info;
  }

  /** The error as a finding, for verdicts that collect rather than throw. */
  toFinding(severity: Finding['severity'] = 'error'): Finding {
    return { code: this.code, severity, message: this.message, ...this.info };
  }
}

export function isSealError(error: unknown): error is SealError {
  return error instanceof SealError;
}
