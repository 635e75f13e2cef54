// The config and revocation schemas are checked by this small interpreter of the draft-07
// keywords they use, not by Ajv: importing Ajv and compiling a schema cost about 100 ms at every
// start of the CLI. It reports what Ajv (allErrors) reported, in the same order: a type error,
// then the keywords of the value's type (enum; minimum; minLength, pattern; minItems,
// items, uniqueItems; required, additionalProperties, properties). Like Ajv's strict mode, it
// refuses a schema with a keyword it does not know.
type Schema = Record<string, unknown>;
type Path = readonly (string | number)[];

const ANNOTATIONS = new Set(['$schema', 'title', 'description', 'default']);

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

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  array: 'an array',
  object: 'an object',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
};

const isNumber = (data: unknown): data is number => typeof data === 'number' && Number.isFinite(data);
const isObject = (data: unknown): data is Record<string, unknown> =>
  typeof data === 'object' && data !== null && !Array.isArray(data);

function hasType(type: string, data: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof data === 'string';
    case 'array':
      return Array.isArray(data);
    case 'object':
      return isObject(data);
    case 'integer':
      return isNumber(data) && Number.isInteger(data);
    case 'number':
      return isNumber(data);
    case 'boolean':
      return typeof data === 'boolean';
    default:
      throw new Error(`validate: unsupported schema type ${JSON.stringify(type)}`);
  }
}

/** Structural equality of JSON values (what uniqueItems compares). */
function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return a !== a && b !== b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && equal((a as Schema)[k], (b as Schema)[k]));
}

const patterns = new Map<string, RegExp>();
const patternOf = (source: string): RegExp => {
  let re = patterns.get(source);
  if (!re) patterns.set(source, (re = new RegExp(source, 'u')));
  return re;
};

/**
 * Two equal items, searched from the end as Ajv does, named as Ajv names them: `i` the item
 * being looked at, `j` the one it repeats.
 */
function duplicate(items: readonly unknown[], itemTypes: readonly string[]): { i: number; j: number } | undefined {
  if (itemTypes.length > 0 && !itemTypes.includes('object') && !itemTypes.includes('array')) {
    // Scalars of the item type, by value; items of another type are skipped.
    const seen = new Map<unknown, number>();
    for (let i = items.length - 1; i >= 0; i--) {
      const item = items[i];
      if (!itemTypes.some((t) => hasType(t, item))) continue;
      const j = seen.get(item);
      if (j !== undefined) return { i, j };
      seen.set(item, i);
    }
    return undefined;
  }
  for (let i = items.length - 1; i >= 0; i--) {
    for (let j = i - 1; j >= 0; j--) if (equal(items[i], items[j])) return { i, j };
  }
  return undefined;
}

const supported = new WeakSet<object>();

/** Throws for a schema this interpreter would not check in full (a programming error, as Ajv's strict mode). */
function assertSupported(schema: Schema, where: string): void {
  for (const [keyword, value] of Object.entries(schema)) {
    const ok =
      ANNOTATIONS.has(keyword) ||
      (keyword === 'type' && ([] as unknown[]).concat(value).every((t) => typeof t === 'string' && t in TYPE_NAMES)) ||
      (keyword === 'enum' && Array.isArray(value)) ||
      (['minimum', 'minLength', 'minItems'].includes(keyword) && typeof value === 'number') ||
      (keyword === 'pattern' && typeof value === 'string') ||
      (keyword === 'uniqueItems' && typeof value === 'boolean') ||
      (keyword === 'required' && Array.isArray(value) && value.every((name) => typeof name === 'string')) ||
      (keyword === 'additionalProperties' && value === false) ||
      (keyword === 'items' && isObject(value)) ||
      (keyword === 'properties' && isObject(value) && Object.values(value).every(isObject));
    if (!ok) throw new Error(`validate: unsupported schema keyword ${keyword}: ${JSON.stringify(value)} at ${where}`);
  }
  if (isObject(schema.items)) assertSupported(schema.items, `${where}/items`);
  for (const [name, inner] of Object.entries(isObject(schema.properties) ? schema.properties : {})) {
    assertSupported(inner as Schema, `${where}/properties/${name}`);
  }
}

function check(schema: Schema, data: unknown, path: Path, problems: string[]): void {
  const at = formatPath(path);
  if (schema.type !== undefined) {
    const types = ([] as unknown[]).concat(schema.type).map(String);
    if (!types.some((t) => hasType(t, data))) {
      problems.push(`${at}: must be ${types.map((t) => TYPE_NAMES[t] ?? t).join(' or ')}`);
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((value) => equal(value, data))) {
    problems.push(`${at}: must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  }
  if (isNumber(data)) {
    if (typeof schema.minimum === 'number' && !(data >= schema.minimum)) problems.push(`${at}: must be >= ${schema.minimum}`);
  } else if (typeof data === 'string') {
    // Length in code points, as JSON Schema (and Ajv) count it.
    if (typeof schema.minLength === 'number' && [...data].length < schema.minLength) {
      problems.push(`${at}: must NOT have fewer than ${schema.minLength} characters`);
    }
    if (typeof schema.pattern === 'string' && !patternOf(schema.pattern).test(data)) {
      problems.push(`${at}: must be an ISO 8601 date (2027-03-01) or date-time with a zone (2027-03-01T12:00:00Z)`);
    }
  } else if (Array.isArray(data)) {
    if (typeof schema.minItems === 'number' && data.length < schema.minItems) {
      problems.push(`${at}: must NOT have fewer than ${schema.minItems} items`);
    }
    if (isObject(schema.items)) {
      const items = schema.items;
      data.forEach((item, i) => check(items, item, [...path, i], problems));
    }
    if (schema.uniqueItems === true) {
      const items =
        isObject(schema.items) && schema.items.type !== undefined ? ([] as unknown[]).concat(schema.items.type).map(String) : [];
      const found = duplicate(data, items);
      if (found) problems.push(`${at}: must not list the same item twice (items ${found.j} and ${found.i})`);
    }
  } else if (isObject(data)) {
    const properties = isObject(schema.properties) ? schema.properties : {};
    if (Array.isArray(schema.required)) {
      for (const name of schema.required as string[]) {
        if (data[name] === undefined) problems.push(`${formatPath([...path, name])}: is required`);
      }
    }
    if (schema.additionalProperties === false) {
      for (const name in data) {
        if (!Object.prototype.hasOwnProperty.call(properties, name)) problems.push(`${formatPath([...path, name])}: unknown key`);
      }
    }
    for (const [name, inner] of Object.entries(properties)) {
      if (data[name] !== undefined) check(inner as Schema, data[name], [...path, name], problems);
    }
  }
}

/** Validates `data` against `schema`: every problem as a `path: message` line, in document order. */
export function validate(schema: Record<string, unknown>, data: unknown): string[] {
  if (!supported.has(schema)) {
    assertSupported(schema, '#');
    supported.add(schema);
  }
  const problems: string[] = [];
  check(schema, data, [], problems);
  return [...new Set(problems)];
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
