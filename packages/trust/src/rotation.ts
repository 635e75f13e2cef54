// `sealpack keys update` (DESIGN.md, "Key lifecycle"): what a consumer's keyring would become
// after a publisher's rotation, decided here without writing anything. A new key is pinned
// only on the word of keys already pinned (their certifications); a revocation is recorded
// only when the revoked key itself made it. Anything else refuses the whole update.
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { SealError } from '@sealpack/diagnostics';
import { readKeyMaterial, type Certification, type KeyInfo, type KeyMaterial, type KeyRevocation } from '@sealpack/openpgp';
import { algorithmProblem } from './algorithm.js';
import { listKeyFiles, type PinnedKey } from './keyring.js';
import { findRevocation, type Revocation } from './revocation.js';
import type { Trust } from './trust.types.js';
import { formatDate } from './validate.js';

export interface Certifier {
  name: string;
  fingerprint: string;
  created: Date;
}

export interface PlannedKey {
  name: string;
  /** Where it will be pinned. */
  file: string;
  /** The key as the publisher wrote it: its armored block, or its binary file (pinned as NAME.gpg). */
  data: string | Uint8Array;
  key: KeyInfo;
  certifiedBy: Certifier[];
}

export interface PlannedRevocation {
  /** As written to the revocation list. */
  entry: { fingerprint: string; reason: KeyRevocation['reason']; date: string; comment?: string };
  keyName: string;
}

export interface PlannedRuleChange {
  /** `trust[0].keys` */
  path: string;
  added: string;
  /** The pinned names whose certification brought it in. */
  beside: string[];
}

export interface KeyUpdatePlan {
  keys: PlannedKey[];
  revocations: PlannedRevocation[];
  rules: PlannedRuleChange[];
  /** New file contents, written by the caller (atomically) only when the whole plan holds. */
  writes: { kind: 'revocations' | 'config' | 'key'; file: string; text: string | Uint8Array }[];
  /** Rules that name a certifier but could not be edited (a JS or YAML config): the reviewer adds the name. */
  manual: PlannedRuleChange[];
  warnings: string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const KEY_SUFFIX = /(\.pub)?\.(asc|gpg|pgp)$/;

const refuse = (code: SealError['code'], message: string, extra: { fingerprint?: string; artifact?: string } = {}): never => {
  throw new SealError(code, message, extra);
};

/**
 * Plans a keys update from the files a publisher handed over (`NEW.pub.asc`,
 * `OLD.revocation.asc`). `name` names the new key when there is one (else its file name
 * without `.pub.asc`). Throws a SealError for anything it will not do; nothing is written.
 */
export async function planKeyUpdate(
  trust: Trust,
  inputs: readonly { file: string; data: string | Uint8Array }[],
  options: { name?: string; now?: Date } = {},
): Promise<KeyUpdatePlan> {
  const now = options.now ?? new Date();
  const pinned = trust.keys.map((k) => k.key);
  const byFingerprint = new Map(trust.keys.map((k) => [k.key.fingerprint, k]));
  const plan: KeyUpdatePlan = { keys: [], revocations: [], rules: [], writes: [], manual: [], warnings: [] };

  // Revocations first: a certification made after its key was superseded must not count.
  const found: { file: string; keys: KeyMaterial['keys'] }[] = [];
  const added: Revocation[] = [];
  for (const input of inputs) {
    const material = await readKeyMaterial(input.data, pinned, input.file, { now });
    found.push({ file: input.file, keys: material.keys });
    for (const { fingerprint, revocation } of material.revocations) {
      const owner = byFingerprint.get(fingerprint)!;
      const date = revocation.date.toISOString().replace(/\.000Z$/, 'Z');
      const known = trust.revocations.some(
        (r) =>
          r.source === 'list' &&
          r.fingerprint === fingerprint &&
          r.reason === revocation.reason &&
          r.date.getTime() === revocation.date.getTime(),
      );
      if (known || plan.revocations.some((r) => r.entry.fingerprint === fingerprint && r.entry.date === date)) continue;
      plan.revocations.push({
        entry: { fingerprint, reason: revocation.reason, date, ...(revocation.comment ? { comment: revocation.comment } : {}) },
        keyName: owner.name,
      });
      added.push({ fingerprint, ...revocation, source: 'list' });
    }
  }
  const revocations = [...trust.revocations, ...added];

  const keyCount = found.reduce((n, f) => n + f.keys.length, 0);
  if (options.name !== undefined && keyCount !== 1) {
    refuse('ESEAL_CONFIG', `--name: names one new key, found ${keyCount} keys in the files given`);
  }
  for (const { file, keys } of found) {
    for (const key of keys) {
      const { info } = key;
      if (byFingerprint.has(info.fingerprint)) {
        plan.warnings.push(
          `${file}: key ${info.fingerprint} is already pinned as ${byFingerprint.get(info.fingerprint)!.name}: unchanged`,
        );
        continue;
      }
      plan.keys.push(planKey(trust, file, key, revocations, options.name, now));
    }
  }
  if (plan.keys.length === 0 && plan.revocations.length === 0) {
    refuse('ESEAL_CONFIG', 'nothing to update: the files hold no new key and no new revocation of a pinned key');
  }
  const names = new Set(plan.keys.map((k) => k.name));
  if (names.size !== plan.keys.length)
    refuse('ESEAL_CONFIG', 'two new keys would get the same name: pin them one at a time with --name');
  // A name whose file holds no usable key (a keyring warning, so not in trust.keys) is taken
  // too: a second file under it would make the keyring refuse "one file per name", and
  // writing over it would replace a file nobody reviewed going.
  const present = (await listKeyFiles(trust.policy.keyring)) ?? [];
  for (const key of plan.keys) {
    const other = present.find((f) => f.name === key.name);
    if (other)
      refuse('ESEAL_CONFIG', `the name ${key.name} is taken by ${other.file}, which holds no usable key: pass another --name`);
  }

  if (plan.revocations.length > 0) plan.writes.push(await revocationListWrite(trust.policy.revocations, plan.revocations));
  await planRuleChanges(trust, plan);
  for (const key of plan.keys) {
    const text = typeof key.data === 'string' && !key.data.endsWith('\n') ? `${key.data}\n` : key.data;
    plan.writes.push({ kind: 'key', file: key.file, text });
  }
  return plan;
}

function planKey(
  trust: Trust,
  file: string,
  { info, certifications, block }: KeyMaterial['keys'][number],
  revocations: readonly Revocation[],
  name: string | undefined,
  now: Date,
): PlannedKey {
  const { policy } = trust;
  const label = `${file}: key ${info.fingerprint}`;
  const keyName = name ?? basename(file).replace(KEY_SUFFIX, '');
  if (!NAME.test(keyName)) {
    refuse(
      'ESEAL_CONFIG',
      `${label}: expected a file-safe key name such as release-2027 (--name), found ${JSON.stringify(keyName)}`,
    );
  }
  const taken = trust.keys.find((k) => k.name === keyName);
  if (taken)
    refuse(
      'ESEAL_CONFIG',
      `${label}: the name ${keyName} is taken by ${taken.key.fingerprint} (${taken.file}): pass another --name`,
    );
  if (info.revocations.length > 0)
    refuse('ESEAL_KEY_REVOKED', `${label}: the key revokes itself: it cannot be pinned`, { fingerprint: info.fingerprint });
  if (info.expires && info.expires <= now) {
    refuse('ESEAL_KEY_EXPIRED', `${label}: expired on ${formatDate(info.expires)}`, { fingerprint: info.fingerprint });
  }
  const weak = algorithmProblem(info.algorithm, info.bits, policy.algorithms.minRsaBits);
  if (weak) {
    refuse('ESEAL_WEAK_ALGORITHM', `${label}: ${weak.found} is refused by ${weak.rule}: expected ${weak.expected}`, {
      fingerprint: info.fingerprint,
    });
  }

  const certifiedBy = new Map<string, Certifier>();
  const refused: string[] = [];
  let hardRevoked = false;
  for (const c of certifications) {
    const certifier = c.certifierKey && trust.keys.find((k) => k.key.fingerprint === c.certifierKey!.fingerprint);
    const why = whyNotCounted(trust, c, certifier, revocations, now);
    if (why) {
      if (why.hard) hardRevoked = true;
      refused.push(
        `certification of "${c.userId}" by ${certifier?.name ?? c.certifier} made ${formatDate(c.created)}: ${why.text}`,
      );
      continue;
    }
    const earlier = certifiedBy.get(certifier!.key.fingerprint);
    if (!earlier || c.created < earlier.created)
      certifiedBy.set(certifier!.key.fingerprint, {
        name: certifier!.name,
        fingerprint: certifier!.key.fingerprint,
        created: c.created,
      });
  }
  const threshold = policy.rotation.threshold;
  if (certifiedBy.size < threshold) {
    const code = certifiedBy.size > 0 ? 'ESEAL_THRESHOLD' : hardRevoked ? 'ESEAL_KEY_REVOKED' : 'ESEAL_UNKNOWN_KEY';
    const names = [...certifiedBy.values()].map((c) => c.name);
    throw new SealError(
      code,
      `${label}: not certified by enough pinned keys (rotation.threshold): expected ${threshold} distinct pinned key(s) that are not hard-revoked, found ${certifiedBy.size}${names.length ? ` (${names.join(', ')})` : ''}; nothing was changed`,
      {
        fingerprint: info.fingerprint,
        artifact: file,
        expected: String(threshold),
        found: String(certifiedBy.size),
        details: refused,
      },
    );
  }
  // Pinned as written (what the reviewer compares with what was published): an armored block as
  // NAME.asc, a binary file (`gpg --export`) as NAME.gpg.
  if (!block) return refuse('ESEAL_CONFIG', `${label}: must be alone in its armored block or binary file to be pinned`);
  const target = join(policy.keyring, `${keyName}${block.text === undefined ? '.gpg' : '.asc'}`);
  return { name: keyName, file: target, data: block.text ?? block.data, key: info, certifiedBy: [...certifiedBy.values()] };
}

/** Why a certification does not count toward rotation.threshold, or undefined when it counts. */
function whyNotCounted(
  trust: Trust,
  c: Certification,
  certifier: PinnedKey | undefined,
  revocations: readonly Revocation[],
  now: Date,
): { text: string; hard?: boolean } | undefined {
  if (!certifier) return { text: 'not a pinned key' };
  if (!c.valid) return { text: c.reason ?? 'does not verify' };
  if (!trust.policy.algorithms.hashes.includes(c.hash)) return { text: `hash ${c.hash} is refused by algorithms.hashes` };
  const weak = algorithmProblem(certifier.key.algorithm, certifier.key.bits, trust.policy.algorithms.minRsaBits);
  if (weak) return { text: `${weak.found} is refused by ${weak.rule}` };
  const revoked = findRevocation([certifier.key.fingerprint], c.created, revocations);
  if (revoked) {
    return {
      text: revoked.hard
        ? `the certifier is revoked (${revoked.reason}, ${formatDate(revoked.date)}): its word counts for nothing`
        : `made after the certifier was revoked (${revoked.reason}) on ${formatDate(revoked.date)}`,
      hard: revoked.hard,
    };
  }
  // Certifications are made by primary keys (checkCertifications verifies against the primary
  // only), so the primary's lifetime is what counts: a subkey's revocation or expiry is no
  // reason to refuse, as gpg and sq judge a certification. Dated before the primary existed or
  // was bound is outside its lifetime, as sqv judges a signature (and gpg: "key is newer than
  // the signature").
  const since = certifier.key.boundSince ?? certifier.key.created;
  if (c.created < since) return { text: `dated before the certifier was created or bound (${formatDate(since)})` };
  if (certifier.key.expires && c.created >= certifier.key.expires)
    return { text: `made after the certifier expired on ${formatDate(certifier.key.expires)}` };
  if (c.created.getTime() > now.getTime() + 5 * 60_000) return { text: 'dated in the future' };
  return undefined;
}

async function revocationListWrite(
  path: string,
  planned: readonly PlannedRevocation[],
): Promise<KeyUpdatePlan['writes'][number]> {
  let entries: unknown[] = [];
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  // Already validated by loadTrust: kept entry for entry, as the consumer wrote them.
  if (text.trim() !== '') entries = JSON.parse(text) as unknown[];
  return { kind: 'revocations', file: path, text: `${JSON.stringify([...entries, ...planned.map((p) => p.entry)], null, 2)}\n` };
}

const JSON_CONFIG = /(?:^|[\\/])(?:\.sealpackrc|\.sealpackrc\.json|sealpack\.config\.json|package\.json)$/;

/**
 * Every trust rule that names a certifier in `keys` or `approvers` gets the new key beside it:
 * the successor inherits its predecessor's scope, in a change the reviewer sees. Written into
 * a JSON config; for JS and YAML configs the reviewer is told what to add.
 */
async function planRuleChanges(trust: Trust, plan: KeyUpdatePlan): Promise<void> {
  const configPath = trust.policy.configPath;
  if (!configPath || plan.keys.length === 0) return;
  const changes: PlannedRuleChange[] = [];
  trust.policy.trust.forEach((rule, i) => {
    if (rule.implicit) return;
    for (const field of ['keys', 'approvers'] as const) {
      for (const key of plan.keys) {
        const beside = key.certifiedBy.map((c) => c.name).filter((n) => rule[field].includes(n));
        if (beside.length > 0 && !rule[field].includes(key.name))
          changes.push({ path: `trust[${i}].${field}`, added: key.name, beside });
      }
    }
  });
  if (changes.length === 0) return;
  const text = JSON_CONFIG.test(configPath) ? await readFile(configPath, 'utf8') : undefined;
  let document: Record<string, unknown> | undefined;
  try {
    document = text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    document = undefined; // `.sealpackrc` written as YAML
  }
  const config = (configPath.endsWith('package.json') ? document?.sealpack : document) as
    { trust?: Record<string, unknown>[] } | undefined;
  if (!document || !config || !Array.isArray(config.trust)) {
    plan.manual.push(...changes);
    return;
  }
  for (const change of changes) {
    const [, index, field] = /^trust\[(\d+)\]\.(keys|approvers)$/.exec(change.path)!;
    const rule = config.trust[Number(index)]!;
    const value = rule[field!];
    rule[field!] = [...(typeof value === 'string' ? [value] : (value as string[])), change.added];
  }
  const indent = /^[ \t]+(?=")/m.exec(text ?? '')?.[0] ?? '  ';
  plan.rules.push(...changes);
  plan.writes.push({ kind: 'config', file: configPath, text: `${JSON.stringify(document, null, indent)}\n` });
}
