// judgeSignatures and sealRequirement are pure: hand-made SignatureCheck objects cover each
// rule; one suite at the end runs real keys and real signatures through loadTrust.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Finding } from '@sealpack/diagnostics';
import {
  appendSignatures,
  generateKey,
  readSigningKey,
  verifySignatures,
  type KeyInfo,
  type SignatureCheck,
} from '@sealpack/openpgp';
import {
  channelOf,
  judgeSignatures,
  judgeTarballSignatures,
  loadTrust,
  sealRequirement,
  type PinnedKey,
  type Policy,
  type Revocation,
  type Trust,
} from '@sealpack/trust';
import { cleanTempDirs, tempDir } from '../helpers/index.js';
import { makeTrust as makeTrustWith } from '../helpers/trust.js';

const ALICE = 'A'.repeat(40);
const BOB = 'B'.repeat(40);
const CAROL = 'C'.repeat(40);
const STRANGER = 'D'.repeat(40);
const AT = new Date('2025-06-15T00:00:00Z');
const MADE = new Date('2025-03-01T00:00:00Z');

function pinned(name: string, fingerprint: string, extra: Partial<KeyInfo> = {}): PinnedKey {
  return {
    name,
    file: `/repo/.sealpack/keys/${name}.asc`,
    key: {
      fingerprint,
      keyId: fingerprint.slice(-16),
      version: 4,
      algorithm: 'ed25519',
      created: new Date('2024-01-01T00:00:00Z'),
      expires: null,
      revocations: [],
      userIds: [`${name} <${name}@example.com>`],
      subkeys: [],
      ...extra,
    },
  };
}

function makeTrust(policy: Partial<Policy> = {}, options: { keys?: PinnedKey[]; revocations?: Revocation[] } = {}): Trust {
  return makeTrustWith(policy, {
    ...options,
    keys: options.keys ?? [pinned('alice', ALICE), pinned('bob', BOB), pinned('carol', CAROL)],
  });
}

function check(fingerprint: string | undefined, extra: Partial<SignatureCheck> = {}): SignatureCheck {
  const fpr = fingerprint ?? STRANGER;
  return {
    index: 0,
    created: MADE,
    version: 4,
    issuerKeyId: fpr.slice(-16),
    issuerFingerprint: fpr,
    ...(fingerprint === undefined ? {} : { primaryFingerprint: fingerprint, signingKeyFingerprint: fingerprint }),
    algorithm: 'ed25519',
    hash: 'sha512',
    approval: false,
    valid: true,
    keyExpires: null,
    keyRevocations: [],
    ...extra,
  };
}

// `now` is the real clock, which alone ends exceptions: pinned to AT unless a test moves it.
const judge = (trust: Trust, checks: SignatureCheck[], name = '@acme/widget', version = '1.4.0', at = AT, now = AT) =>
  judgeSignatures({ trust, name, version, checks, artifact: 'widget-1.4.0.tgz', at, now });
const codes = (findings: Finding[]) => findings.map((f) => `${f.severity}:${f.code}`);

const test = suite('trust: judgeSignatures');

test('one good signature by a key of the rule passes', () => {
  const result = judge(makeTrust(), [check(ALICE)]);
  assert.equal(result, {
    passed: true,
    findings: [],
    signers: [{ fingerprint: ALICE, keyName: 'alice', created: MADE }],
    approvers: [],
    threshold: 1,
    rule: 'trust[0]',
  });
});

test('unknown key: a finding naming everything, then the threshold', () => {
  const result = judge(makeTrust(), [check(undefined, { reason: 'no given key matches' })]);
  assert.is(result.passed, false);
  assert.equal(codes(result.findings), ['error:ESEAL_THRESHOLD', 'error:ESEAL_UNKNOWN_KEY']);
  const unknown = result.findings.find((f) => f.code === 'ESEAL_UNKNOWN_KEY')!;
  assert.equal(
    { ...unknown, message: undefined },
    {
      code: 'ESEAL_UNKNOWN_KEY',
      severity: 'error',
      message: undefined,
      artifact: 'widget-1.4.0.tgz',
      package: '@acme/widget',
      version: '1.4.0',
      fingerprint: STRANGER,
      rule: 'trust[0]',
      expected: 'a key pinned in /repo/.sealpack/keys',
      found: STRANGER,
    },
  );
  assert.match(unknown.message, /^@acme\/widget@1\.4\.0: .*expected a key pinned in \/repo\/\.sealpack\/keys, found D{40}$/);
  const threshold = result.findings.find((f) => f.code === 'ESEAL_THRESHOLD')!;
  assert.equal([threshold.expected, threshold.found, threshold.rule], ['1', '0', 'trust[0]']);
  assert.match(threshold.message, /^@acme\/widget@1\.4\.0: .*expected 1 distinct key\(s\), found 0$/);
});

test('a pinned fingerprint the verifier reports but the trust does not hold is unknown too', () => {
  const result = judge(makeTrust(), [check(STRANGER)]);
  assert.ok(codes(result.findings).includes('error:ESEAL_UNKNOWN_KEY'));
});

test('bad signature, with the reason; checked before algorithms', () => {
  const result = judge(makeTrust(), [check(ALICE, { valid: false, reason: 'digest mismatch', hash: 'sha1' })]);
  const bad = result.findings.find((f) => f.code === 'ESEAL_BAD_SIGNATURE')!;
  assert.equal(codes(result.findings), ['error:ESEAL_BAD_SIGNATURE', 'error:ESEAL_THRESHOLD']);
  assert.equal([bad.keyName, bad.fingerprint, bad.found], ['alice', ALICE, 'digest mismatch']);
});

test('weak algorithms: SHA-1, RSA-2048, RSA of unknown size, DSA; RSA-3072 and ECDSA pass', () => {
  const trust = makeTrust();
  const weak = (extra: Partial<SignatureCheck>) => {
    const result = judge(trust, [check(ALICE, extra)]);
    assert.equal(codes(result.findings), ['error:ESEAL_THRESHOLD', 'error:ESEAL_WEAK_ALGORITHM'], JSON.stringify(extra));
    return result.findings.find((f) => f.code === 'ESEAL_WEAK_ALGORITHM')!;
  };
  const sha1 = weak({ hash: 'sha1' });
  assert.equal([sha1.rule, sha1.expected, sha1.found], ['algorithms.hashes', 'hash sha256, sha384, sha512', 'hash sha1']);
  const rsa = weak({ algorithm: 'rsa', bits: 2048 });
  assert.equal([rsa.rule, rsa.expected, rsa.found], ['algorithms.minRsaBits', 'RSA of at least 3072 bits', 'RSA 2048 bits']);
  weak({ algorithm: 'rsa' });
  assert.is(weak({ algorithm: 'dsa', bits: 3072 }).found, 'dsa');
  weak({ algorithm: 'elgamal' });
  const both = weak({ algorithm: 'rsa', bits: 2048, hash: 'sha1' });
  assert.is(both.found, 'hash sha1; RSA 2048 bits');
  assert.is(judge(trust, [check(ALICE, { algorithm: 'rsa', bits: 3072 })]).passed, true);
  assert.is(judge(trust, [check(ALICE, { algorithm: 'ecdsa', hash: 'sha256' })]).passed, true);
  const lowered = makeTrust({ algorithms: { minRsaBits: 2048, hashes: ['sha1', 'sha256'] } });
  assert.is(judge(lowered, [check(ALICE, { algorithm: 'rsa', bits: 2048, hash: 'sha1' })]).passed, true);
});

const revoked = (
  reason: Revocation['reason'],
  date: string,
  fingerprint = ALICE,
  source: Revocation['source'] = 'list',
): Revocation => ({
  fingerprint,
  reason,
  date: new Date(date),
  ...(reason === 'compromised' ? { comment: 'laptop stolen' } : {}),
  source,
});

test('hard revocations (compromised, unspecified) refuse every signature, whatever its date', () => {
  for (const reason of ['compromised', 'unspecified'] as const) {
    // Revoked months after the signature was made: still refused.
    const trust = makeTrust({}, { revocations: [revoked(reason, '2025-10-01T00:00:00Z')] });
    const result = judge(trust, [check(ALICE)]);
    assert.equal(codes(result.findings), ['error:ESEAL_KEY_REVOKED', 'error:ESEAL_THRESHOLD'], reason);
    const finding = result.findings[0]!;
    assert.match(finding.message, new RegExp(`revoked \\(${reason}\\) on 2025-10-01T00:00:00Z`));
    assert.is(finding.found, `revoked (${reason}) on 2025-10-01T00:00:00Z`);
  }
  const trust = makeTrust({}, { revocations: [revoked('compromised', '2025-10-01T00:00:00Z')] });
  assert.match(judge(trust, [check(ALICE)]).findings[0]!.message, /laptop stolen/);
});

test('soft revocations (superseded, retired) refuse signatures made on or after their date only', () => {
  for (const reason of ['superseded', 'retired'] as const) {
    const trust = makeTrust({}, { revocations: [revoked(reason, '2025-03-01T00:00:00Z')] });
    assert.is(judge(trust, [check(ALICE, { created: new Date('2025-02-28T23:59:59Z') })]).passed, true, `${reason} before`);
    const at = judge(trust, [check(ALICE, { created: new Date('2025-03-01T00:00:00Z') })]);
    assert.equal(codes(at.findings), ['error:ESEAL_KEY_REVOKED', 'error:ESEAL_THRESHOLD'], `${reason} on the date`);
    assert.is(at.findings[0]!.expected, 'a signature made before 2025-03-01T00:00:00Z');
    assert.is(judge(trust, [check(ALICE, { created: new Date('2025-04-01T00:00:00Z') })]).passed, false, `${reason} after`);
  }
});

const SUB = 'E'.repeat(40);
const withSubkey = (extra: Partial<KeyInfo['subkeys'][number]> = {}): PinnedKey[] => [
  pinned('alice', ALICE, {
    subkeys: [
      {
        fingerprint: SUB,
        keyId: SUB.slice(-16),
        algorithm: 'ed25519',
        created: new Date('2024-01-01T00:00:00Z'),
        expires: null,
        revocations: [],
        ...extra,
      } as KeyInfo['subkeys'][number],
    ],
  }),
  pinned('bob', BOB),
];

test('revocations from key files count the same, on the primary or on the signing subkey', () => {
  const fromKey = makeTrust({}, { revocations: [revoked('compromised', '2030-01-01T00:00:00Z', ALICE, 'key')] });
  assert.is(judge(fromKey, [check(ALICE)]).passed, false);
  const trust = makeTrust({}, { keys: withSubkey(), revocations: [revoked('retired', '2025-01-01T00:00:00Z', SUB, 'key')] });
  const bySubkey = judge(trust, [check(ALICE, { signingKeyFingerprint: SUB })]);
  assert.equal(codes(bySubkey.findings), ['error:ESEAL_KEY_REVOKED', 'error:ESEAL_THRESHOLD']);
  assert.is(bySubkey.findings[0]!.fingerprint, ALICE);
  assert.is(judge(trust, [check(ALICE)]).passed, true, 'the primary itself is not revoked');
});

test("a revocation-list entry naming a subkey refuses that subkey's signatures only", () => {
  const trust = makeTrust({}, { keys: withSubkey(), revocations: [revoked('compromised', '2030-01-01T00:00:00Z', SUB)] });
  const bySubkey = judge(trust, [check(ALICE, { signingKeyFingerprint: SUB })]);
  assert.equal(codes(bySubkey.findings), ['error:ESEAL_KEY_REVOKED', 'error:ESEAL_THRESHOLD']);
  assert.equal([bySubkey.findings[0]!.fingerprint, bySubkey.findings[0]!.keyName], [ALICE, 'alice']);
  assert.is(judge(trust, [check(ALICE)]).passed, true, 'signed by the primary');
});

test('revocations and expiry are read from the trust only, not from copies a check carries', () => {
  // loadTrust puts the key files' revocation signatures in trust.revocations and the pinned
  // keys hold the expiry: the check's keyRevocations and keyExpires are not a second source.
  const copies = check(ALICE, {
    keyRevocations: [{ reason: 'compromised', date: new Date('2030-01-01T00:00:00Z') }],
    keyExpires: new Date('2025-01-01T00:00:00Z'),
  });
  assert.equal(judge(makeTrust(), [copies]).findings, []);
});

test('expiry: made after it fails; made before it counts, with a warning once it has passed', () => {
  const expires = new Date('2025-02-01T00:00:00Z');
  const expiring = (date: Date) => makeTrust({}, { keys: [pinned('alice', ALICE, { expires: date }), pinned('bob', BOB)] });
  const after = judge(expiring(expires), [check(ALICE)]);
  assert.equal(codes(after.findings), ['error:ESEAL_KEY_EXPIRED', 'error:ESEAL_THRESHOLD']);
  assert.is(after.findings[0]!.expected, 'a signature made before 2025-02-01T00:00:00Z');
  const before = judge(expiring(new Date('2025-05-01T00:00:00Z')), [check(ALICE)]);
  assert.is(before.passed, true);
  assert.equal(codes(before.findings), ['warning:ESEAL_KEY_EXPIRED']);
  assert.match(
    before.findings[0]!.message,
    /made while the key was valid, but it has expired since: expected a key valid at 2025-06-15T00:00:00Z, found expired on 2025-05-01T00:00:00Z$/,
  );
  assert.equal(
    before.signers.map((s) => s.keyName),
    ['alice'],
  );
  // Not yet expired at verification time: nothing to say.
  assert.equal(judge(expiring(new Date('2026-01-01T00:00:00Z')), [check(ALICE)]).findings, []);
  // The signing subkey's expiry counts, and only for its signatures.
  const subkey = makeTrust({}, { keys: withSubkey({ expires }) });
  assert.equal(codes(judge(subkey, [check(ALICE, { signingKeyFingerprint: SUB })]).findings), [
    'error:ESEAL_KEY_EXPIRED',
    'error:ESEAL_THRESHOLD',
  ]);
  assert.is(judge(subkey, [check(ALICE)]).passed, true, 'signed by the primary');
});

test('a signature dated more than 5 minutes after the verification time is outside its lifetime (it was BAD_SIGNATURE, "altered")', () => {
  const future = judge(makeTrust(), [check(ALICE, { created: new Date(AT.getTime() + 6 * 60_000) })]);
  assert.equal(codes(future.findings), ['error:ESEAL_SIGNATURE_EXPIRED', 'error:ESEAL_THRESHOLD']);
  assert.match(future.findings[0]!.message, /dated in the future \(check the clocks/);
  assert.is(judge(makeTrust(), [check(ALICE, { created: new Date(AT.getTime() + 4 * 60_000) })]).passed, true, 'clock skew');
});

test('a signature past its own expiration time: ESEAL_SIGNATURE_EXPIRED (a warning when others meet the threshold)', () => {
  const expired = check(ALICE, { signatureExpires: new Date('2025-04-01T00:00:00Z') });
  const alone = judge(makeTrust(), [expired]);
  assert.equal(codes(alone.findings), ['error:ESEAL_SIGNATURE_EXPIRED', 'error:ESEAL_THRESHOLD']);
  assert.match(alone.findings[0]!.message, /expired on 2025-04-01T00:00:00Z/);
  const withBob = judge(makeTrust(), [expired, check(BOB, { index: 1 })]);
  assert.equal([withBob.passed, codes(withBob.findings)], [true, ['warning:ESEAL_SIGNATURE_EXPIRED']]);
  // Judged at the verification time: before it, the signature counts.
  assert.is(judge(makeTrust(), [expired], '@acme/widget', '1.4.0', new Date('2025-03-15T00:00:00Z')).passed, true);
});

test('a signature dated before its key or signing subkey was created fails, whatever else signed', () => {
  const early = new Date('2023-06-01T00:00:00Z');
  const byPrimary = judge(makeTrust(), [check(ALICE, { created: early }), check(BOB, { index: 1 })]);
  assert.equal(codes(byPrimary.findings), ['error:ESEAL_SIGNATURE_EXPIRED']);
  assert.match(byPrimary.findings[0]!.message, /dated before its key was created/);
  const subkey = makeTrust({}, { keys: withSubkey({ created: new Date('2025-02-01T00:00:00Z') }) });
  const bySubkey = judge(subkey, [check(ALICE, { signingKeyFingerprint: SUB, created: new Date('2025-01-15T00:00:00Z') })]);
  assert.equal(codes(bySubkey.findings), ['error:ESEAL_SIGNATURE_EXPIRED', 'error:ESEAL_THRESHOLD']);
  assert.is(judge(subkey, [check(ALICE, { signingKeyFingerprint: SUB })]).passed, true, 'made after the subkey');
});

test('separation of duties: approvals by approvers count apart from signers; missing ones are ESEAL_APPROVAL', () => {
  const trust = makeTrust({
    trust: [{ packages: ['@acme/*'], keys: ['alice'], threshold: 1, approvers: ['bob', 'carol'], approvals: 1, implicit: false }],
  });
  const approval = (fpr: string, index = 1) => check(fpr, { index, approval: true });
  const approved = judge(trust, [check(ALICE), approval(BOB)]);
  assert.equal([approved.passed, approved.findings], [true, []]);
  assert.equal(
    approved.approvers.map((a) => a.keyName),
    ['bob'],
  );
  assert.equal(
    approved.signers.map((a) => a.keyName),
    ['alice'],
  );

  const missing = judge(trust, [check(ALICE)]);
  assert.is(missing.passed, false);
  assert.equal(codes(missing.findings), ['error:ESEAL_APPROVAL']);
  assert.match(missing.findings[0]!.message, /expected 1 distinct approval\(s\) by bob, carol, none of them a signer, found 0/);

  // An approval never counts as a release signature: bob's approval alone is no seal.
  const onlyApproval = judge(trust, [approval(BOB, 0)]);
  assert.equal(codes(onlyApproval.findings), ['error:ESEAL_THRESHOLD']);
  // A release signature by an approver is out of the rule's scope (keys), not an approval.
  const bobSigned = judge(trust, [check(ALICE), check(BOB, { index: 1 })]);
  assert.equal(codes(bobSigned.findings).sort(), ['error:ESEAL_APPROVAL', 'error:ESEAL_KEY_SCOPE']);
  // An approval by a key that is no approver of the rule does not count.
  const stranger = judge(trust, [check(ALICE), approval(ALICE)]);
  assert.ok(codes(stranger.findings).includes('error:ESEAL_APPROVAL'));
  assert.ok(codes(stranger.findings).includes('error:ESEAL_KEY_SCOPE'));
});

test('a key counts once: an approver who also signed the release is no approver', () => {
  const trust = makeTrust({
    trust: [
      { packages: ['@acme/*'], keys: ['alice', 'bob'], threshold: 1, approvers: ['bob', 'carol'], approvals: 1, implicit: false },
    ],
  });
  const self = judge(trust, [check(BOB), check(BOB, { index: 1, approval: true })]);
  assert.is(self.passed, false);
  assert.equal(codes(self.findings), ['error:ESEAL_APPROVAL', 'error:ESEAL_APPROVAL']);
  assert.ok(self.findings.some((f) => /approves a release the same key signed/.test(f.message)));
  assert.equal(self.approvers, []);
  // Another approver makes it pass; the self-approval stays visible as a warning.
  const other = judge(trust, [check(BOB), check(BOB, { index: 1, approval: true }), check(CAROL, { index: 2, approval: true })]);
  assert.is(other.passed, true);
  assert.equal(codes(other.findings), ['warning:ESEAL_APPROVAL']);
});

test('a pinned key outside the rule: ESEAL_KEY_SCOPE; the first matching rule wins', () => {
  const result = judge(makeTrust(), [check(CAROL)]);
  assert.equal(codes(result.findings), ['error:ESEAL_KEY_SCOPE', 'error:ESEAL_THRESHOLD']);
  assert.equal(
    [result.findings[0]!.keyName, result.findings[0]!.expected, result.findings[0]!.found],
    ['carol', 'one of alice, bob', 'carol'],
  );
  const trust = makeTrust({
    trust: [
      { packages: ['@acme/special'], keys: ['carol'], threshold: 1, approvers: [], approvals: 0, implicit: false },
      { packages: ['@acme/*', 'lodash'], keys: ['alice'], threshold: 1, approvers: [], approvals: 0, implicit: false },
    ],
  });
  const special = judge(trust, [check(CAROL)], '@acme/special');
  assert.equal([special.passed, special.rule], [true, 'trust[0]']);
  const widget = judge(trust, [check(CAROL)], '@acme/widget');
  assert.equal([widget.passed, widget.rule], [false, 'trust[1]']);
  assert.is(judge(trust, [check(ALICE)], 'lodash').rule, 'trust[1]');
});

test('threshold counts distinct keys: two signatures by one key count once', () => {
  const trust = makeTrust({
    trust: [{ packages: ['@acme/*'], keys: ['alice', 'bob'], threshold: 2, approvers: [], approvals: 0, implicit: false }],
  });
  const same = judge(trust, [check(ALICE), check(ALICE, { index: 1 })]);
  assert.is(same.passed, false);
  assert.equal(codes(same.findings), ['error:ESEAL_THRESHOLD']);
  assert.equal([same.findings[0]!.expected, same.findings[0]!.found], ['2', '1']);
  assert.match(same.findings[0]!.message, /expected 2 distinct key\(s\), found 1 \(alice\)$/);
  const two = judge(trust, [check(BOB, { index: 1 }), check(ALICE)]);
  assert.equal([two.passed, two.threshold, two.signers.map((s) => s.keyName)], [true, 2, ['alice', 'bob']]);
});

test('threshold met: other signatures warn, except a bad signature or a hard revocation', () => {
  const good = check(ALICE);
  const trust = makeTrust(
    {},
    { revocations: [revoked('compromised', '2020-01-01T00:00:00Z', BOB), revoked('superseded', '2024-06-01T00:00:00Z', CAROL)] },
  );
  const unknown = judge(trust, [good, check(undefined, { index: 1 })]);
  assert.equal([unknown.passed, codes(unknown.findings)], [true, ['warning:ESEAL_UNKNOWN_KEY']]);
  const scope = judge(trust, [good, check(CAROL, { index: 1, created: new Date('2024-03-01T00:00:00Z') })]);
  assert.equal([scope.passed, codes(scope.findings)], [true, ['warning:ESEAL_KEY_SCOPE']]);
  const soft = judge(trust, [good, check(CAROL, { index: 1 })]);
  assert.equal([soft.passed, codes(soft.findings)], [true, ['warning:ESEAL_KEY_REVOKED']]);
  const weak = judge(trust, [good, check(ALICE, { index: 1, hash: 'sha1' })]);
  assert.equal([weak.passed, codes(weak.findings)], [true, ['warning:ESEAL_WEAK_ALGORITHM']]);
  const bad = judge(trust, [good, check(ALICE, { index: 1, valid: false })]);
  assert.equal([bad.passed, codes(bad.findings)], [false, ['error:ESEAL_BAD_SIGNATURE']]);
  const hard = judge(trust, [good, check(BOB, { index: 1 })]);
  assert.equal([hard.passed, codes(hard.findings)], [false, ['error:ESEAL_KEY_REVOKED']]);
});

test('channels: the version decides the threshold; unset channels use the rule', () => {
  assert.equal(['1.0.0', '1.0.0-rc.1', '2.0.0-rc1', '1.0.0-beta.2', '1.0.0-0.rc.1', '1.0.0+build'].map(channelOf), [
    'production',
    'rc',
    'rc',
    'prerelease',
    'prerelease',
    'production',
  ]);
  const trust = makeTrust({ channels: { production: { threshold: 2 }, rc: { threshold: 1 } } });
  const signed = [check(ALICE)];
  const production = judge(trust, signed, '@acme/widget', '1.4.0');
  assert.equal([production.passed, production.threshold], [false, 2]);
  assert.match(production.findings[0]!.message, /production version, channels\.production\.threshold/);
  assert.equal(judge(trust, signed, '@acme/widget', '1.4.0-rc.2').threshold, 1);
  assert.equal(judge(trust, signed, '@acme/widget', '1.4.0-alpha.1').threshold, 1, 'prerelease: the rule threshold');
  assert.is(judge(trust, [check(ALICE), check(BOB, { index: 1 })], '@acme/widget', '1.4.0').passed, true);
  assert.throws(
    () => channelOf('not-a-version'),
    (e: Error & { code: string }) => e.code === 'ESEAL_MALFORMED',
  );
});

test("a channel threshold lower than the rule's does not lower it", () => {
  const trust = makeTrust({
    trust: [{ packages: ['@acme/*'], keys: ['alice', 'bob'], threshold: 2, approvers: [], approvals: 0, implicit: false }],
    channels: { rc: { threshold: 1 }, production: { threshold: 2 } },
  });
  const rc = judge(trust, [check(ALICE)], '@acme/widget', '1.4.0-rc.1');
  assert.equal([rc.passed, rc.threshold, codes(rc.findings)], [false, 2, ['error:ESEAL_THRESHOLD']]);
  assert.match(rc.findings[0]!.message, /\(rc version, trust\[0\]\): expected 2 distinct key\(s\), found 1 \(alice\)$/);
  assert.is(judge(trust, [check(ALICE), check(BOB, { index: 1 })], '@acme/widget', '1.4.0-rc.1').passed, true);
});

const EXCEPTION = { package: '@acme/widget@1.x', reason: 'vendor re-keying', expires: new Date('2025-07-01T00:00:00Z') };
const NOTE = /\(allowed by the exception for @acme\/widget@1\.x until 2025-07-01T00:00:00Z: vendor re-keying\)$/;

test('exceptions: in force they excuse too few signers, naming it; expired or other versions do not', () => {
  const trust = makeTrust({ exceptions: [EXCEPTION] });
  const active = judge(trust, []);
  assert.is(active.passed, true);
  assert.equal(codes(active.findings), ['warning:ESEAL_THRESHOLD']);
  assert.match(active.findings[0]!.message, NOTE);
  // A prerelease of the range is covered (includePrerelease).
  assert.is(judge(trust, [], '@acme/widget', '1.5.0-rc.1').passed, true);
  assert.is(judge(trust, [], '@acme/widget', '2.0.0').passed, false, 'other version');
  assert.is(judge(trust, [], '@acme/widget', '1.4.0', EXCEPTION.expires, EXCEPTION.expires).passed, false, 'expired');
  assert.is(judge(trust, [], '@acme/widgets', '1.4.0').passed, false, 'other name');
});

test('exceptions excuse a key out of scope or expired, never a bad signature or an unknown, revoked or weak key', () => {
  const expired = pinned('bob', BOB, { expires: new Date('2025-01-01T00:00:00Z') });
  const trust = makeTrust(
    { exceptions: [EXCEPTION] },
    {
      keys: [pinned('alice', ALICE), expired, pinned('carol', CAROL)],
      revocations: [revoked('compromised', '2030-01-01T00:00:00Z')],
    },
  );
  const scope = judge(trust, [check(CAROL)]);
  assert.equal([scope.passed, codes(scope.findings)], [true, ['warning:ESEAL_KEY_SCOPE', 'warning:ESEAL_THRESHOLD']]);
  assert.ok(scope.findings.every((f) => NOTE.test(f.message)));
  const late = judge(trust, [check(BOB)]);
  assert.equal([late.passed, codes(late.findings)], [true, ['warning:ESEAL_KEY_EXPIRED', 'warning:ESEAL_THRESHOLD']]);
  const refused: [string, SignatureCheck][] = [
    ['ESEAL_UNKNOWN_KEY', check(undefined)],
    ['ESEAL_BAD_SIGNATURE', check(CAROL, { valid: false, reason: 'digest mismatch' })],
    ['ESEAL_SIGNATURE_EXPIRED', check(CAROL, { created: new Date(AT.getTime() + 3_600_000) })],
    ['ESEAL_KEY_REVOKED', check(ALICE)],
    ['ESEAL_WEAK_ALGORITHM', check(CAROL, { hash: 'sha1' })],
  ];
  for (const [code, signature] of refused) {
    const result = judge(trust, [signature]);
    assert.is(result.passed, false, code);
    assert.equal(codes(result.findings).sort(), [`error:${code}`, 'warning:ESEAL_THRESHOLD'], code);
    assert.not.match(result.findings.find((f) => f.code === code)!.message, /allowed by the exception/, code);
  }
});

test('an earlier `at` never revives an exception that has expired by now', () => {
  const trust = makeTrust({ exceptions: [EXCEPTION] });
  const later = new Date('2025-08-01T00:00:00Z');
  const revived = judge(trust, [], '@acme/widget', '1.4.0', AT, later);
  assert.equal([revived.passed, codes(revived.findings)], [false, ['error:ESEAL_THRESHOLD']]);
  assert.is(judge(trust, [], '@acme/widget', '1.4.0', AT, new Date('2025-06-30T00:00:00Z')).passed, true);
  assert.equal(sealRequirement(trust, '@acme/widget', '1.4.0', AT, { now: later }), { required: true, rule: 'trust[0]' });
});

test('no explicit rule matches: judged against every pinned key', () => {
  const result = judge(makeTrust(), [check(CAROL)], 'lodash', '4.17.21');
  assert.equal([result.passed, result.rule], [true, 'trust (no rule matched: every pinned key)']);
});

test('findings come in the same order whatever the order of the checks', () => {
  const trust = makeTrust({}, { revocations: [revoked('compromised', '2020-01-01T00:00:00Z', BOB)] });
  const checks = [
    check(undefined, { index: 0 }),
    check(BOB, { index: 1 }),
    check(ALICE, { index: 2, valid: false }),
    check(CAROL, { index: 3 }),
  ];
  const forward = judge(trust, checks);
  const backward = judge(trust, [...checks].reverse());
  assert.equal(forward, backward);
  assert.equal(codes(forward.findings), [
    'error:ESEAL_BAD_SIGNATURE',
    'error:ESEAL_KEY_REVOKED',
    'error:ESEAL_KEY_SCOPE',
    'error:ESEAL_THRESHOLD',
    'error:ESEAL_UNKNOWN_KEY',
  ]);
});

test('two counted signatures by one key: the earliest is reported, whatever the order', () => {
  const trust = makeTrust({}, { keys: [pinned('alice', ALICE, { expires: new Date('2025-05-01T00:00:00Z') })] });
  const early = check(ALICE, { index: 1, created: new Date('2025-01-01T00:00:00Z') });
  const late = check(ALICE, { index: 0, created: new Date('2025-02-01T00:00:00Z') });
  const forward = judge(trust, [early, late]);
  assert.equal(forward, judge(trust, [late, early]));
  assert.equal(forward.signers, [{ fingerprint: ALICE, keyName: 'alice', created: early.created }]);
  assert.equal(codes(forward.findings), ['warning:ESEAL_KEY_EXPIRED']);
});

test("judgeTarballSignatures (X.tgz.asc): the seal's per-signature rules but the scope; every failure an error, an unpinned key a warning unless weak", () => {
  const trust = makeTrust(
    { exceptions: [EXCEPTION] },
    {
      keys: [pinned('alice', ALICE), pinned('bob', BOB, { expires: new Date('2025-01-01T00:00:00Z') }), pinned('carol', CAROL)],
      revocations: [revoked('compromised', '2030-01-01T00:00:00Z', CAROL)],
    },
  );
  const subject = { artifact: 'w.tgz', package: '@acme/widget', version: '2.0.0' };
  const judge = (c: SignatureCheck, version = '2.0.0') =>
    codes(judgeTarballSignatures({ trust, checks: [c], file: 'w.tgz.asc', subject: { ...subject, version }, at: AT, now: AT }));
  assert.equal(judge(check(ALICE)), []);
  // Out of @acme/*'s rule (keys alice, bob) is no matter here: the seal decides scope.
  assert.equal(judge(check(STRANGER.replace(/D/g, 'E'), { primaryFingerprint: undefined })), ['warning:ESEAL_UNKNOWN_KEY']);
  assert.equal(judge(check(ALICE, { hash: 'sha1' })), ['error:ESEAL_WEAK_ALGORITHM']);
  assert.equal(judge(check(undefined, { hash: 'sha1' })), ['error:ESEAL_WEAK_ALGORITHM']);
  // An unpinned RSA key's size is unknown from its signature alone: not refused for it.
  assert.equal(judge(check(undefined, { algorithm: 'rsa' })), ['warning:ESEAL_UNKNOWN_KEY']);
  assert.equal(judge(check(CAROL)), ['error:ESEAL_KEY_REVOKED']);
  assert.equal(judge(check(ALICE, { valid: false, reason: 'digest mismatch' })), ['error:ESEAL_BAD_SIGNATURE']);
  assert.equal(judge(check(ALICE, { signatureExpires: new Date('2025-04-01T00:00:00Z') })), ['error:ESEAL_SIGNATURE_EXPIRED']);
  assert.equal(judge(check(ALICE, { created: new Date(AT.getTime() + 3_600_000) })), ['error:ESEAL_SIGNATURE_EXPIRED']);
  assert.equal(judge(check(BOB)), ['error:ESEAL_KEY_EXPIRED']);
  // The exception for 1.x excuses what it excuses in a seal (an expired key), never a revoked one.
  assert.equal(judge(check(BOB), '1.4.0'), ['warning:ESEAL_KEY_EXPIRED']);
  assert.equal(judge(check(CAROL), '1.4.0'), ['error:ESEAL_KEY_REVOKED']);
});

test.run();

const requirement = suite('trust: sealRequirement');

requirement('an explicit rule makes the seal required; the implicit rule and no rule do not', () => {
  const explicit = makeTrust();
  assert.equal(sealRequirement(explicit, '@acme/widget', '1.0.0', AT), { required: true, rule: 'trust[0]' });
  assert.equal(sealRequirement(explicit, 'lodash', '4.17.21', AT), { required: false });
  const implicit = makeTrust({
    trust: [{ packages: ['**'], keys: ['alice', 'bob', 'carol'], threshold: 1, approvers: [], approvals: 0, implicit: true }],
  });
  assert.equal(sealRequirement(implicit, '@acme/widget', '1.0.0', AT), { required: false, rule: 'trust (implicit)' });
  // Under the implicit rule, a seal that is there is still judged, by every pinned key.
  const judged = judge(implicit, [check(CAROL)]);
  assert.equal([judged.passed, judged.rule], [true, 'trust (implicit)']);
});

requirement('an exception in force lifts the requirement, and is returned', () => {
  const exception = { package: '@acme/widget@>=1.0.0 <1.5.0', reason: 'r', expires: new Date('2025-07-01T00:00:00Z') };
  const trust = makeTrust({ exceptions: [exception] });
  const now = { now: AT };
  assert.equal(sealRequirement(trust, '@acme/widget', '1.4.0', AT, now), { required: false, rule: 'trust[0]', exception });
  assert.equal(sealRequirement(trust, '@acme/widget', '1.5.0', AT, now), { required: true, rule: 'trust[0]' });
  assert.equal(sealRequirement(trust, '@acme/widget', '1.4.0', new Date('2025-07-01T00:00:00Z'), now), {
    required: true,
    rule: 'trust[0]',
  });
});

requirement.run();

// Real keys, real config, real signatures: what packages/verify does, end to end through trust.
const real = suite('trust: real keys through loadTrust and judgeSignatures');
real.after(cleanTempDirs);

real('two maintainers, a production threshold of 2, a retired key, an exception without expires', async () => {
  const date = new Date('2024-01-01T00:00:00Z');
  const [alice, bob, old] = await Promise.all(['alice', 'bob', 'old'].map((name) => generateKey({ name, date })));
  const dir = await tempDir('sealpack-trust-real-');
  await mkdir(join(dir, '.sealpack', 'keys'), { recursive: true });
  await mkdir(join(dir, 'app'));
  await writeFile(join(dir, '.sealpack', 'keys', 'alice.asc'), alice!.publicKey);
  await writeFile(join(dir, '.sealpack', 'keys', 'bob.asc'), bob!.publicKey);
  await writeFile(join(dir, '.sealpack', 'keys', 'old.asc'), old!.publicKey);
  await writeFile(
    join(dir, '.sealpack', 'revocations.json'),
    JSON.stringify([{ fingerprint: old!.fingerprint, reason: 'retired', date: '2025-01-01T00:00:00Z' }]),
  );
  await writeFile(
    join(dir, 'sealpack.config.mjs'),
    `export default {
      trust: [{ packages: ['@acme/*'], keys: ['alice', 'bob', 'old'] }],
      channels: { production: { threshold: 2 } },
      exceptions: [{ package: '@acme/widget@1.x', reason: 'forever' }],
    };\n`,
  );
  const trust = await loadTrust({ cwd: join(dir, 'app') });
  assert.match(trust.warnings.join('\n'), /exceptions\[0\]: @acme\/widget@1\.x has no expires: it does not apply/);
  const data = new TextEncoder().encode('{"format":"sealpack/manifest@1"}');
  const sign = async (key: { privateKey: string }, when: string) =>
    (await readSigningKey(key.privateKey)).sign(data, new Date(when));
  const keys = trust.keys.map((k) => k.key);
  const at = new Date('2025-06-15T00:00:00Z');
  const run = async (signature: string, version = '1.0.0') =>
    judgeSignatures({
      trust,
      name: '@acme/widget',
      version,
      checks: await verifySignatures(data, signature, keys),
      artifact: 'w.tgz',
      at,
    });

  const aliceSig = await sign(alice!, '2025-03-01T00:00:00Z');
  const one = await run(aliceSig);
  assert.equal(
    [one.passed, codes(one.findings)],
    [false, ['error:ESEAL_THRESHOLD']],
    'the exception without expires does not apply',
  );
  assert.is((await run(aliceSig, '1.0.0-rc.1')).passed, true, 'rc: the rule threshold of 1');
  const both = await run(await appendSignatures(aliceSig, await sign(bob!, '2025-03-02T00:00:00Z')));
  assert.equal([both.passed, both.signers.map((s) => s.keyName)], [true, ['alice', 'bob']]);
  const oldBefore = await run(await appendSignatures(aliceSig, await sign(old!, '2024-12-31T00:00:00Z')));
  assert.is(oldBefore.passed, true, 'signed by the retired key before its retirement');
  const oldAfter = await run(await appendSignatures(aliceSig, await sign(old!, '2025-02-01T00:00:00Z')));
  assert.equal([oldAfter.passed, codes(oldAfter.findings)], [false, ['error:ESEAL_KEY_REVOKED', 'error:ESEAL_THRESHOLD']]);
  assert.is(sealRequirement(trust, '@acme/widget', '1.0.0', at).required, true);
  assert.is(sealRequirement(trust, 'left-pad', '1.0.0', at).required, false);
});

real.run();
