import { compareFindings, type Finding } from '@sealpack/diagnostics';
import type { SignatureCheck } from '@sealpack/openpgp';
import { algorithmProblem, type AlgorithmProblem } from './algorithm.js';
import { channelOf } from './channel.js';
import { CLOCK_SKEW_MS } from './constants.js';
import { exceptionFor, ruleFor } from './coverage.js';
import type { PinnedKey } from './keyring.js';
import { byCodeUnit } from './order.js';
import type { TrustRule } from './policy.types.js';
import { findRevocation } from './revocation.js';
import type { Trust } from './trust.types.js';
import { formatDate } from './validate.js';

export interface SignerInfo {
  fingerprint: string;
  keyName: string;
  /** When its (first counted) signature was made. */
  created: Date;
}

export interface SignatureJudgement {
  passed: boolean;
  findings: Finding[];
  /** Distinct pinned keys whose signatures passed every check, in scope of the rule. */
  signers: SignerInfo[];
  /** Distinct approvers whose approvals counted: in the rule's `approvers`, none of them a signer. */
  approvers: SignerInfo[];
  threshold: number;
  rule: string;
}

// What an exception excuses: a package unsealed (sealRequirement) or under-signed for now. Never
// a bad signature, an unknown or revoked key or a weak algorithm: otherwise anyone unable to make
// a valid seal could sign the excepted versions with any key.
const EXCUSABLE: ReadonlySet<Finding['code']> = new Set([
  'ESEAL_THRESHOLD',
  'ESEAL_APPROVAL',
  'ESEAL_KEY_SCOPE',
  'ESEAL_KEY_EXPIRED',
]);

/** The threshold of `rule` for `version`: a channel threshold can raise it, never lower it. */
function thresholdFor(trust: Trust, rule: TrustRule, ruleLabel: string, version: string) {
  const channel = channelOf(version);
  const raised = trust.policy.channels[channel]?.threshold ?? 0;
  // The publisher picks the version, so the channel: a lower channel threshold must not count.
  return raised > rule.threshold
    ? { channel, threshold: raised, source: `channels.${channel}.threshold` }
    : { channel, threshold: rule.threshold, source: ruleLabel };
}

interface Failure {
  code: Finding['code'];
  /** Stays an error even when the threshold is met. */
  serious: boolean;
  what: string;
  expected: string;
  found: string;
  rule?: string;
}

/**
 * The earlier expiry of the pinned primary key and of the signing subkey, from the pinned key
 * (like revocations, the check's copy is not read).
 */
function expiryOf(check: SignatureCheck, pinned: PinnedKey): Date | null {
  const signing = check.signingKeyFingerprint?.toUpperCase();
  const subkey = pinned.key.subkeys.find((s) => s.fingerprint.toUpperCase() === signing);
  const dates = [pinned.key.expires, subkey?.expires].filter((d): d is Date => d instanceof Date);
  return dates.length === 0 ? null : new Date(Math.min(...dates.map((d) => d.getTime())));
}

/** When the (sub)key that made the signature was created, or later first bound, from the pinned key. */
function createdOf(check: SignatureCheck, pinned: PinnedKey): Date {
  const signing = check.signingKeyFingerprint?.toUpperCase();
  const key = pinned.key.subkeys.find((s) => s.fingerprint.toUpperCase() === signing) ?? pinned.key;
  return key.boundSince ?? key.created;
}

interface Context {
  trust: Trust;
  rule: TrustRule;
  ruleLabel: string;
  at: Date;
}

/** One signature by a pinned key, as each rule sees it. */
interface Signed {
  check: SignatureCheck;
  pinned: PinnedKey;
  /** `signature #N by NAME (FINGERPRINT)`, for messages. */
  sig: string;
}

/** One rule a signature by a pinned key must pass: the failure, or undefined. */
type SignatureRule = (context: Context, signed: Signed) => Failure | undefined;
/** strongAlgorithms also judges signatures by keys that are not pinned (in `X.tgz.asc`). */
type UnpinnedRule = (context: Context, signed: Omit<Signed, 'pinned'> & { pinned?: PinnedKey }) => Failure | undefined;

const verifiesOverBytes: SignatureRule = (_context, { check, sig }) => {
  if (check.valid) return undefined;
  return {
    code: 'ESEAL_BAD_SIGNATURE',
    serious: true,
    what: `${sig} does not verify`,
    expected: 'a valid signature',
    found: check.reason ?? 'an invalid signature',
  };
};

const strongAlgorithms: UnpinnedRule = ({ trust }, { check, pinned, sig }) => {
  const { hashes, minRsaBits } = trust.policy.algorithms;
  const weak: AlgorithmProblem[] = [];
  if (!hashes.includes(check.hash.toLowerCase())) {
    weak.push({ rule: 'algorithms.hashes', expected: `hash ${hashes.join(', ')}`, found: `hash ${check.hash}` });
  }
  // A key that is not pinned is judged by its signature packet alone, which does not give an RSA key's size.
  const sizeUnknown = !pinned && check.bits === undefined && check.algorithm.toLowerCase().startsWith('rsa');
  const algorithm = sizeUnknown ? undefined : algorithmProblem(check.algorithm, check.bits, minRsaBits);
  if (algorithm) weak.push(algorithm);
  if (weak.length === 0) return undefined;
  return {
    code: 'ESEAL_WEAK_ALGORITHM',
    serious: false,
    what: `${sig} uses an algorithm the policy refuses`,
    expected: weak.map((w) => w.expected).join('; '),
    found: weak.map((w) => w.found).join('; '),
    rule: weak[0]!.rule,
  };
};

const notRevoked: SignatureRule = ({ trust }, { check, sig }) => {
  const revoked = findRevocation([check.primaryFingerprint, check.signingKeyFingerprint], check.created, trust.revocations);
  if (!revoked) return undefined;
  const comment = revoked.comment ? ` (${JSON.stringify(revoked.comment)})` : '';
  const revocation = `revoked (${revoked.reason}) on ${formatDate(revoked.date)}${comment}`;
  return {
    code: 'ESEAL_KEY_REVOKED',
    serious: revoked.hard,
    what: revoked.hard
      ? `${sig}: the key was ${revocation}, which refuses every signature by it`
      : `${sig} was made ${formatDate(check.created)}, after the key was ${revocation}`,
    expected: revoked.hard ? 'a key not revoked' : `a signature made before ${formatDate(revoked.date)}`,
    found: `revoked (${revoked.reason}) on ${formatDate(revoked.date)}`,
  };
};

const madeBeforeKeyExpired: SignatureRule = (_context, { check, pinned, sig }) => {
  const expires = expiryOf(check, pinned);
  if (!expires || check.created.getTime() < expires.getTime()) return undefined;
  return {
    code: 'ESEAL_KEY_EXPIRED',
    serious: false,
    what: `${sig} was made after the key expired`,
    expected: `a signature made before ${formatDate(expires)}`,
    found: `a signature made ${formatDate(check.created)}`,
  };
};

// A signature dated before its key existed cannot be genuine as dated (gpgv: "time
// conflict"): a back-dated signature, made to slip under a revocation or an expiry.
const madeAfterKeyCreated: SignatureRule = (_context, { check, pinned, sig }) => {
  const created = createdOf(check, pinned);
  if (check.created.getTime() >= created.getTime()) return undefined;
  return {
    code: 'ESEAL_SIGNATURE_EXPIRED',
    serious: true,
    what: `${sig} is dated before its key was created or bound`,
    expected: `a signature made after ${formatDate(created)}`,
    found: `a signature made ${formatDate(check.created)}`,
  };
};

// Its own expiration time (gpg --default-sig-expire; gpg reports EXPSIG), judged at `at`.
const beforeSignatureExpired: SignatureRule = ({ at }, { check, sig }) => {
  const expires = check.signatureExpires;
  if (!expires || at.getTime() < expires.getTime()) return undefined;
  return {
    code: 'ESEAL_SIGNATURE_EXPIRED',
    serious: false,
    what: `${sig} expired on ${formatDate(expires)}`,
    expected: `a signature valid at ${formatDate(at)}`,
    found: `a signature that expired on ${formatDate(expires)}`,
  };
};

// A lifetime problem like the two above, not an altered signature: most often a wrong clock.
const notInFuture: SignatureRule = ({ at }, { check, sig }) => {
  if (check.created.getTime() <= at.getTime() + CLOCK_SKEW_MS) return undefined;
  return {
    code: 'ESEAL_SIGNATURE_EXPIRED',
    serious: true,
    what: `${sig} is dated in the future (check the clocks of the signer and of this machine)`,
    expected: `a signature made before ${formatDate(at)}`,
    found: `a signature made ${formatDate(check.created)}`,
  };
};

// A release signature counts for `keys`, an approval (the notation) for `approvers`: never the other.
const inRuleScope: SignatureRule = ({ rule, ruleLabel }, { check, pinned, sig }) => {
  const allowed = check.approval ? rule.approvers : rule.keys;
  if (allowed.includes(pinned.name)) return undefined;
  return {
    code: 'ESEAL_KEY_SCOPE',
    serious: false,
    what: check.approval
      ? `${sig} is an approval, but the key is not an approver for this package by ${ruleLabel}`
      : `${sig}: the key is not trusted for this package by ${ruleLabel}`,
    expected: `one of ${allowed.length > 0 ? allowed.join(', ') : check.approval ? '(no approvers)' : '(no keys)'}`,
    found: pinned.name,
  };
};

/** The rules a signature by a pinned key must pass, in DESIGN.md's order: the first it breaks is reported. */
const SIGNATURE_RULES: readonly SignatureRule[] = [
  verifiesOverBytes,
  strongAlgorithms,
  notRevoked,
  madeBeforeKeyExpired,
  madeAfterKeyCreated,
  beforeSignatureExpired,
  notInFuture,
  inRuleScope,
];

/**
 * What a signature over the tarball bytes (`X.tgz.asc`) is judged by: the same rules, but the
 * trust rule's scope, which the seal alone decides; a signature by a key that is not pinned is
 * still held to the algorithm policy.
 */
const TARBALL_SIGNATURE_RULES: readonly SignatureRule[] = SIGNATURE_RULES.filter((rule) => rule !== inRuleScope);

/** The rules a seal's and a tarball signature's signatures are judged by. */
interface RuleSet {
  pinned: readonly SignatureRule[];
  /** Before ESEAL_UNKNOWN_KEY, for a key that is not pinned. */
  unpinned: readonly UnpinnedRule[];
}
const SEAL_RULES: RuleSet = { pinned: SIGNATURE_RULES, unpinned: [] };
const TARBALL_RULES: RuleSet = { pinned: TARBALL_SIGNATURE_RULES, unpinned: [strongAlgorithms] };

/** The first rule one signature breaks, or undefined when it counts. */
function failureOf(
  context: Context,
  check: SignatureCheck,
  pinned: PinnedKey | undefined,
  sig: string,
  fingerprint: string,
  rules: RuleSet,
): Failure | undefined {
  if (!pinned) {
    for (const rule of rules.unpinned) {
      const failure = rule(context, { check, sig });
      if (failure) return failure;
    }
    return {
      code: 'ESEAL_UNKNOWN_KEY',
      serious: false,
      what: `${sig} is not from a pinned key`,
      expected: `a key pinned in ${context.trust.policy.keyring}`,
      found: fingerprint,
    };
  }
  for (const rule of rules.pinned) {
    const failure = rule(context, { check, pinned, sig });
    if (failure) return failure;
  }
  return undefined;
}

/** The pinned key that made a signature (none when it is not pinned), its fingerprint, and `signature #N by …` for messages. */
function signerOf(byFingerprint: ReadonlyMap<string, PinnedKey>, check: SignatureCheck) {
  const fingerprint = (check.primaryFingerprint ?? check.issuerFingerprint ?? check.issuerKeyId).toUpperCase();
  const pinned = check.primaryFingerprint === undefined ? undefined : byFingerprint.get(check.primaryFingerprint.toUpperCase());
  const sig = `signature #${check.index + 1} by ${pinned ? `${pinned.name} (${fingerprint})` : `key ${fingerprint}`}`;
  return { fingerprint, pinned, sig };
}

const pinnedByFingerprint = (trust: Trust) => new Map(trust.keys.map((k) => [k.key.fingerprint.toUpperCase(), k]));

/** What one seal is judged by: the rule covering the package, its threshold for the version, the time. */
interface Judging extends Context {
  /** `name@version`, for messages. */
  label: string;
  subject: Pick<Finding, 'artifact' | 'package' | 'version'>;
  channel: ReturnType<typeof channelOf>;
  threshold: number;
  /** Where the threshold comes from: the rule, or `channels.<channel>.threshold`. */
  thresholdSource: string;
}

/** A key whose signatures counted: its earliest one. */
type Counted = SignerInfo & { index: number };

/** A signature that failed a rule, and whose key made it. */
interface Failed {
  failure: Failure;
  fingerprint: string;
  keyName?: string;
}

/** What the per-signature rules leave: the keys that counted, and the signatures that did not. */
interface Tally {
  failures: Failed[];
  /** Release signatures that counted, per primary fingerprint. */
  signers: Map<string, Counted>;
  /** Approvals that counted, per primary fingerprint. */
  approvals: Map<string, Counted>;
  /** Per key, the earliest signature that counts although its key has expired since. */
  expired: Map<string, { check: SignatureCheck; expires: Date; keyName: string }>;
}

/** Step 1: the rule that covers `name` (coverage.ts) and its threshold for `version`. */
function judgingFor(trust: Trust, name: string, version: string, artifact: string, at: Date): Judging {
  const { rule, label: ruleLabel } = ruleFor(trust, name);
  const { channel, threshold, source } = thresholdFor(trust, rule, ruleLabel, version);
  return {
    trust,
    rule,
    ruleLabel,
    at,
    label: `${name}@${version}`,
    subject: { artifact, package: name, version },
    channel,
    threshold,
    thresholdSource: source,
  };
}

/** Step 2: every signature through SIGNATURE_RULES; a key counts once, by its earliest signature. */
function tallySignatures(judging: Judging, checks: readonly SignatureCheck[]): Tally {
  const byFingerprint = pinnedByFingerprint(judging.trust);
  const tally: Tally = { failures: [], signers: new Map(), approvals: new Map(), expired: new Map() };
  for (const check of checks) {
    const { fingerprint, pinned, sig } = signerOf(byFingerprint, check);
    const failure = failureOf(judging, check, pinned, sig, fingerprint, SEAL_RULES);
    if (failure) {
      tally.failures.push({ failure, fingerprint, ...(pinned ? { keyName: pinned.name } : {}) });
      continue;
    }
    if (!pinned) continue;
    const counted = check.approval ? tally.approvals : tally.signers;
    const earlier = counted.get(fingerprint);
    if (!earlier || check.created < earlier.created)
      counted.set(fingerprint, { fingerprint, keyName: pinned.name, created: check.created, index: check.index });
    // Made while the key was valid: it counts, with a warning that the key has expired since.
    const expires = expiryOf(check, pinned);
    const seen = tally.expired.get(fingerprint);
    if (expires && expires.getTime() <= judging.at.getTime() && (!seen || check.index < seen.check.index)) {
      tally.expired.set(fingerprint, { check, expires, keyName: pinned.name });
    }
  }
  return tally;
}

/**
 * Step 3, separation of duties: a key counts once. Its approval of a release it signed is no
 * approval: the approval leaves `tally.approvals` and becomes a failure.
 */
function separateDuties(tally: Tally): void {
  for (const [fingerprint, approval] of tally.approvals) {
    if (!tally.signers.has(fingerprint)) continue;
    tally.approvals.delete(fingerprint);
    tally.failures.push({
      failure: {
        code: 'ESEAL_APPROVAL',
        serious: false,
        what: `signature #${approval.index + 1} by ${approval.keyName} (${fingerprint}) approves a release the same key signed`,
        expected: 'an approver other than the signers',
        found: `${approval.keyName} as signer and approver`,
      },
      fingerprint,
      keyName: approval.keyName,
    });
  }
}

/** A warning per key whose counted signature was made before the key expired, which it has since. */
function expiredKeyWarnings({ at, label, subject, ruleLabel }: Judging, tally: Tally): Finding[] {
  return [...tally.expired].map(([fingerprint, { check, expires, keyName }]) => {
    const expected = `a key valid at ${formatDate(at)}`;
    const found = `expired on ${formatDate(expires)}`;
    return {
      code: 'ESEAL_KEY_EXPIRED',
      severity: 'warning',
      message: `${label}: signature #${check.index + 1} by ${keyName} (${fingerprint}) was made while the key was valid, but it has expired since: expected ${expected}, found ${found}`,
      ...subject,
      fingerprint,
      keyName,
      rule: ruleLabel,
      expected,
      found,
    };
  });
}

/**
 * The failed signatures as findings. DECISION: once enough keys signed (and approved), other
 * signatures' problems are warnings, except a bad signature and a hard revocation: a
 * compromised key's signature next to a good one is a red flag.
 */
function failureFindings(
  { label, subject, ruleLabel }: Pick<Judging, 'label' | 'subject' | 'ruleLabel'>,
  failures: readonly Failed[],
  met: boolean,
): Finding[] {
  return failures.map(({ failure, fingerprint, keyName }) => ({
    code: failure.code,
    severity: met && !failure.serious ? 'warning' : 'error',
    message: `${label}: ${failure.what}: expected ${failure.expected}, found ${failure.found}`,
    ...subject,
    fingerprint,
    ...(keyName === undefined ? {} : { keyName }),
    rule: failure.rule ?? ruleLabel,
    expected: failure.expected,
    found: failure.found,
  }));
}

/** ESEAL_THRESHOLD when fewer distinct keys signed than the (channel-raised) threshold. */
function thresholdFinding(judging: Judging, tally: Tally): Finding | undefined {
  const { label, subject, ruleLabel, channel, threshold, thresholdSource } = judging;
  const { signers } = tally;
  if (signers.size >= threshold) return undefined;
  const names = [...signers.values()].map((s) => s.keyName);
  return {
    code: 'ESEAL_THRESHOLD',
    severity: 'error',
    message: `${label}: not enough valid signers (${channel} version, ${thresholdSource}): expected ${threshold} distinct key(s), found ${signers.size}${names.length > 0 ? ` (${names.join(', ')})` : ''}`,
    ...subject,
    rule: ruleLabel,
    expected: String(threshold),
    found: String(signers.size),
  };
}

/** ESEAL_APPROVAL when fewer distinct approvers (none of them a signer) approved than the rule asks. */
function approvalFinding({ label, subject, rule, ruleLabel }: Judging, tally: Tally): Finding | undefined {
  const { approvals } = tally;
  if (approvals.size >= rule.approvals) return undefined;
  const names = [...approvals.values()].map((a) => a.keyName);
  return {
    code: 'ESEAL_APPROVAL',
    severity: 'error',
    message: `${label}: not enough approvals (${ruleLabel}): expected ${rule.approvals} distinct approval(s) by ${rule.approvers.join(', ') || '(no approvers)'}, none of them a signer, found ${approvals.size}${names.length > 0 ? ` (${names.join(', ')})` : ''}`,
    ...subject,
    rule: ruleLabel,
    expected: String(rule.approvals),
    found: String(approvals.size),
  };
}

/**
 * Last step: an exception in force for `name@version` (expired neither at `at` nor at `now`)
 * turns the EXCUSABLE errors into warnings that name it; every other error stays.
 */
function excuseByException(
  findings: readonly Finding[],
  trust: Trust,
  name: string,
  version: string,
  at: Date,
  now: Date,
): Finding[] {
  const excusable = (f: Finding) => f.severity === 'error' && EXCUSABLE.has(f.code);
  const exception = findings.some(excusable) ? exceptionFor(trust, name, version, at, now) : undefined;
  if (!exception) return [...findings];
  const note = ` (allowed by the exception for ${exception.package} until ${formatDate(exception.expires)}: ${exception.reason})`;
  return findings.map((f) => (excusable(f) ? { ...f, severity: 'warning', message: f.message + note } : f));
}

/**
 * Judges the signature checks of one seal against the trust: per signature, unknown key, then
 * SIGNATURE_RULES in order (bad signature, weak algorithm, revoked key, expired key, outside the
 * signature's own lifetime, future date, key out of the rule's scope); then whether enough
 * distinct keys signed (the rule's threshold, raised by the version's channel, never lowered)
 * and approved. When the threshold is met, problems with other signatures are warnings, except
 * a bad signature and a hard revocation. An exception in force (expired neither at `at` nor at
 * `now`) excuses too few signers, a key out of scope and an expired key only. Pure: no I/O;
 * `at` and `now` default to the current time; the same checks in any order give the same
 * judgement.
 */
export function judgeSignatures(input: {
  trust: Trust;
  name: string;
  version: string;
  checks: readonly SignatureCheck[];
  artifact: string;
  /** The time signatures are judged at (`--at DATE`). */
  at?: Date;
  /** The real current time, which alone ends exceptions (injectable for tests). */
  now?: Date;
}): SignatureJudgement {
  const { trust, name, version } = input;
  const now = input.now ?? new Date();
  const at = input.at ?? now;
  const judging = judgingFor(trust, name, version, input.artifact, at);
  const tally = tallySignatures(judging, input.checks);
  separateDuties(tally);
  const threshold = thresholdFinding(judging, tally);
  const approval = approvalFinding(judging, tally);
  const met = threshold === undefined && approval === undefined;
  const judged = [
    ...expiredKeyWarnings(judging, tally),
    ...failureFindings(judging, tally.failures, met),
    ...(threshold ? [threshold] : []),
    ...(approval ? [approval] : []),
  ];
  const findings = excuseByException(judged, trust, name, version, at, now).sort(compareFindings);
  const byName = (a: SignerInfo, b: SignerInfo) => byCodeUnit(a.keyName, b.keyName);
  const info = ({ fingerprint, keyName, created }: SignerInfo): SignerInfo => ({ fingerprint, keyName, created });
  return {
    passed: !findings.some((f) => f.severity === 'error'),
    findings,
    signers: [...tally.signers.values()].map(info).sort(byName),
    approvers: [...tally.approvals.values()].map(info).sort(byName),
    threshold: judging.threshold,
    rule: judging.ruleLabel,
  };
}

/**
 * Judges the signatures over a tarball's bytes (`X.tgz.asc`, which gpg users check) by the
 * per-signature rules of a seal's signatures, but the trust rule's scope: bad, weak, by a
 * revoked key, made after the key expired, outside their own lifetime. Each is an error, as a
 * bad signature in it is never ignored; one by a key that is not pinned (and not weak) is a
 * warning, for the seal alone decides trust; an exception in force excuses what it excuses in
 * a seal. Pure: no I/O; `at` and `now` default to the current time.
 */
export function judgeTarballSignatures(input: {
  trust: Trust;
  checks: readonly SignatureCheck[];
  /** `X.tgz.asc`, for messages. */
  file: string;
  subject: Pick<Finding, 'artifact' | 'package' | 'version'>;
  at?: Date;
  /** The real current time, which alone ends exceptions (injectable for tests). */
  now?: Date;
}): Finding[] {
  const { trust, file, subject } = input;
  const { rule, label: ruleLabel } = ruleFor(trust, subject.package ?? '');
  const now = input.now ?? new Date();
  const at = input.at ?? now;
  const context: Context = { trust, rule, ruleLabel, at };
  const byFingerprint = pinnedByFingerprint(trust);
  const failures = input.checks.flatMap((check): Failed[] => {
    const { fingerprint, pinned, sig } = signerOf(byFingerprint, check);
    const failure = failureOf(context, check, pinned, `${file}: ${sig}`, fingerprint, TARBALL_RULES);
    return failure ? [{ failure, fingerprint, ...(pinned ? { keyName: pinned.name } : {}) }] : [];
  });
  const label = `${subject.package ?? subject.artifact}@${subject.version ?? '?'}`;
  const judged = failureFindings({ label, subject, ruleLabel }, failures, false).map((f): Finding =>
    f.code === 'ESEAL_UNKNOWN_KEY' ? { ...f, severity: 'warning' } : f,
  );
  // An exception in force excuses here what it excuses in the seal (of these, a key expired when it signed).
  const { package: name, version } = subject;
  const excused = name && version ? excuseByException(judged, trust, name, version, at, now) : judged;
  return excused.sort(compareFindings);
}
