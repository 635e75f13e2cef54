import type { Finding } from './finding.types.js';
import type { Logger } from './logger.types.js';

export const silentLogger: Logger = { info() {}, warn() {} };

const key = (f: Finding): string[] => [
  f.artifact ?? '',
  f.package ?? '',
  f.version ?? '',
  f.severity === 'error' ? '0' : '1',
  f.code,
  f.file ?? '',
  f.fingerprint ?? '',
  f.message,
];

/** Deterministic order for findings: same inputs, same order (by code unit, not locale). */
export function compareFindings(a: Finding, b: Finding): number {
  const ka = key(a);
  const kb = key(b);
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
  }
  return 0;
}
