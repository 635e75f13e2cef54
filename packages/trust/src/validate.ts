import type { ErrorObject } from 'ajv';

/** An Ajv validator: true when valid, else its `errors`. */
interface Validator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** `/trust/0/threshold` → `trust[0].threshold`; the document itself is `(root)`. */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number' || /^\d+$/.test(segment)) out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? '(root)' : out;
}

const pointerSegments = (pointer: string): string[] =>
  pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  array: 'an array',
  object: 'an object',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
};

function describe(error: ErrorObject): string {
  const at = pointerSegments(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${formatPath([...at, String(params.additionalProperty)])}: unknown key`;
    case 'required':
      return `${formatPath([...at, String(params.missingProperty)])}: is required`;
    case 'enum':
      return `${formatPath(at)}: must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'type': {
      const types = ([] as unknown[]).concat(params.type).map((t) => TYPE_NAMES[String(t)] ?? String(t));
      return `${formatPath(at)}: must be ${types.join(' or ')}`;
    }
    case 'pattern':
      return `${formatPath(at)}: must be an ISO 8601 date (2027-03-01) or date-time with a zone (2027-03-01T12:00:00Z)`;
    case 'uniqueItems':
      return `${formatPath(at)}: must not list the same item twice (items ${String(params.j)} and ${String(params.i)})`;
    default:
      return `${formatPath(at)}: ${error.message ?? error.keyword}`;
  }
}

// The validators are precompiled from schema.ts (validators.generated.ts, Ajv standalone): no
// run loads Ajv's compiler or compiles a schema, and one without a config or revocation file
// does not load them at all.
const validators = () => import('./validators.generated.js');

/** Every problem of a config file's contents as a `path: message` line, in document order. */
export async function policyProblems(data: unknown): Promise<string[]> {
  return problems((await validators()).validatePolicy as Validator, data);
}

/** Every problem of a revocation list's contents as a `path: message` line, in document order. */
export async function revocationsProblems(data: unknown): Promise<string[]> {
  return problems((await validators()).validateRevocations as Validator, data);
}

function problems(check: Validator, data: unknown): string[] {
  if (check(data)) return [];
  // A union type mismatch also reports the keywords of the other branch: keep one line per path and kind.
  return [...new Set((check.errors ?? []).map(describe))];
}

/**
 * An ISO 8601 date or date-time as a Date, or undefined when it is not a real instant
 * (`2027-02-30` is refused rather than rolled over to March).
 */
export function parseDate(text: string): Date | undefined {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return undefined;
  const [, y, m, d] = /^(\d{4})-(\d{2})-(\d{2})/.exec(text) ?? [];
  if (y === undefined) return undefined;
  // Check the calendar date itself: Date would roll 2027-02-30 over to 2027-03-02.
  const calendar = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  if (
    calendar.getUTCFullYear() !== Number(y) ||
    calendar.getUTCMonth() !== Number(m) - 1 ||
    calendar.getUTCDate() !== Number(d)
  ) {
    return undefined;
  }
  return date;
}

/** `2026-10-01T00:00:00Z`: ISO 8601 without milliseconds when they are zero. */
export function formatDate(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}

/** YAML and JS configs may hold Date objects where JSON holds strings: make them strings before validating. */
export function datesToStrings(value: unknown): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (Array.isArray(value)) return value.map(datesToStrings);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, datesToStrings(v)]));
  }
  return value;
}
