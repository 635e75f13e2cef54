// Which trust rule covers a package, and what policy asks of it: the one place that answers
// it, for the signature judgement (judgement.ts) and for every subject verify judges (a
// tarball, an installed folder, a lockfile entry). Two copies of "which rule covers this
// name" is where a fail-open hides.
import picomatch from 'picomatch';
import { satisfies } from './semver-ranges.js';
import { DEFAULT_THRESHOLD } from './constants.js';
import { parsePackageSpec } from './policy.js';
import type { PolicyException, TrustRule, UnsignedMode } from './policy.types.js';
import type { Trust } from './trust.types.js';

export interface SealRequirement {
  /** True when an explicit trust rule covers the package (and no exception applies). */
  required: boolean;
  /** The rule that covers the package: `trust[i]`, or `trust (implicit)`; absent when none does. */
  rule?: string;
  /** The exception that applies to this version at that time, if any. */
  exception?: PolicyException;
}

/** The trust rule a package name falls under. */
export interface AppliedRule {
  rule: TrustRule;
  /** `trust[i]`, `trust (implicit)`, or NONE_MATCHED. */
  label: string;
  /** False when no rule's globs match: `rule` is then every pinned key, threshold 1. */
  matched: boolean;
}

const IMPLICIT = 'trust (implicit)';
const NONE_MATCHED = 'trust (no rule matched: every pinned key)';

const matchers = new Map<string, (name: string) => boolean>();
function matches(glob: string, name: string): boolean {
  let match = matchers.get(glob);
  if (!match) {
    match = picomatch(glob);
    matchers.set(glob, match);
  }
  return match(name);
}

/** The first trust rule (config order) whose globs match the package name. */
export function ruleFor(trust: Trust, name: string): AppliedRule {
  const index = trust.policy.trust.findIndex((rule) => rule.packages.some((glob) => matches(glob, name)));
  const rule = trust.policy.trust[index];
  if (rule) return { rule, label: rule.implicit ? IMPLICIT : `trust[${index}]`, matched: true };
  // A sealed package no rule covers is still judged, by every pinned key, so a seal is never ignored.
  const keys = trust.keys.map((k) => k.name);
  const every: TrustRule = { packages: ['**'], keys, threshold: DEFAULT_THRESHOLD, approvers: [], approvals: 0, implicit: true };
  return { rule: every, label: NONE_MATCHED, matched: false };
}

/**
 * The first exception that covers `name@version` and has expired neither at `at` nor at `now`.
 * `at` (`--at DATE`) asks about another time, but must never revive an exception that has
 * ended: its expiry is judged against the real clock too.
 */
export function exceptionFor(trust: Trust, name: string, version: string, at: Date, now: Date): PolicyException | undefined {
  return trust.policy.exceptions.find((exception) => {
    const spec = parsePackageSpec(exception.package);
    const expires = exception.expires.getTime();
    return (
      spec !== undefined &&
      spec.name === name &&
      satisfies(version, spec.range, { includePrerelease: true }) &&
      at.getTime() < expires &&
      now.getTime() < expires
    );
  });
}

/**
 * Whether `name@version` must be sealed: yes when an explicit trust rule covers it, unless an
 * exception applies (not expired at `at`, nor at `options.now`, the real time by default). No
 * under the implicit rule or no rule: the caller applies `policy.unsigned`.
 */
export function sealRequirement(
  trust: Trust,
  name: string,
  version: string,
  at: Date = new Date(),
  options: { now?: Date } = {},
): SealRequirement {
  const applied = ruleFor(trust, name);
  const exception = exceptionFor(trust, name, version, at, options.now ?? new Date());
  const required = applied.matched && !applied.rule.implicit && exception === undefined;
  return {
    required,
    ...(applied.matched ? { rule: applied.label } : {}),
    ...(exception ? { exception } : {}),
  };
}

/** The names one subject answers to. */
export interface SubjectNames {
  /** Its own name: what its package.json says, what a lockfile entry is fetched as. */
  name: string;
  /**
   * The other names it answers to: the folders `require` resolves it by, the lockfile keys it
   * is installed under (an `npm:` alias). Duplicates and `name` itself are ignored.
   */
  aliases?: readonly string[];
}

/** What policy asks of a subject with no seal: `required` and `deny` fail, `excepted`, `warn` and `allow` pass. */
export type Unsealed = 'required' | 'excepted' | UnsignedMode;

export interface CoveringRequirement {
  /** The name the subject is judged and reported under: the first name a rule requires a seal for, else its own. */
  name: string;
  /** The requirement for `name`. */
  requirement: SealRequirement;
  /**
   * The aliases a trust rule requires a seal for: a name policy covers must hold that very
   * package, so each one is an `ESEAL_IDENTITY` for the caller (an alias of a covered package
   * under an uncovered name is fine: the package is judged under its own name).
   */
  coveredAliases: string[];
  /** What policy makes of the subject if it carries no seal. */
  unsealed: Unsealed;
}

/**
 * The trust rule that covers a subject answering to several names, and what it asks: every
 * name is judged (own name first, then the aliases in order) and the first one an explicit rule
 * requires a seal for wins, so a package cannot talk its way out of a rule by the name it
 * gives. When none is required, the subject is judged under its own name (an exception for it
 * excuses a missing seal; otherwise `policy.unsigned` decides).
 */
export function coveringRequirement(
  trust: Trust,
  names: SubjectNames,
  version: string,
  at: Date = new Date(),
  options: { now?: Date } = {},
): CoveringRequirement {
  const aliases = [...new Set(names.aliases ?? [])].filter((alias) => alias !== names.name);
  const judged = [names.name, ...aliases].map((name) => ({
    name,
    requirement: sealRequirement(trust, name, version, at, options),
  }));
  const own = judged[0]!;
  const { name, requirement } = judged.find((j) => j.requirement.required) ?? own;
  const coveredAliases = judged
    .slice(1)
    .filter((j) => j.requirement.required)
    .map((j) => j.name);
  const unsealed: Unsealed = requirement.required ? 'required' : requirement.exception ? 'excepted' : trust.policy.unsigned;
  return { name, requirement, coveredAliases, unsealed };
}
