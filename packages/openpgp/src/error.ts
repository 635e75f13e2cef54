import { SealError, type SealCode } from '@sealpack/diagnostics';

/** A SealError whose message starts with the file it is about, when known. */
export function sealError(
  code: SealCode,
  message: string,
  source: string | undefined,
  extra: { fingerprint?: string; cause?: unknown } = {},
): SealError {
  const details = { ...extra, ...(source === undefined ? {} : { artifact: source }) };
  return new SealError(code, source === undefined ? message : `${source}: ${message}`, details);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
