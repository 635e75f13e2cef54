import { SealError } from '@sealpack/diagnostics';

type Info = NonNullable<ConstructorParameters<typeof SealError>[2]>;

/** An ESEAL_MALFORMED error with only the fields that say something (findings are compared and printed as JSON). */
export function malformed(message: string, info: Info): SealError {
  return new SealError('ESEAL_MALFORMED', message, Object.fromEntries(Object.entries(info).filter(([, v]) => v !== undefined)));
}
