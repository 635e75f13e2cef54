import { algorithmProblem } from './algorithm.js';
import { readKeyring } from './keyring.js';
import { byCodeUnit } from './order.js';
import { configError, loadPolicy } from './policy.js';
import type { PinnedKey } from './keyring.js';
import type { Policy } from './policy.types.js';
import { keyRevocations, readRevocations, type Revocation } from './revocation.js';
import type { Trust } from './trust.types.js';
import { formatDate } from './validate.js';

const compareRevocations = (a: Revocation, b: Revocation): number =>
  byCodeUnit(a.fingerprint, b.fingerprint) || a.date.getTime() - b.date.getTime();

/**
 * Loads the policy, the pinned keyring and the revocation list (merged with revocation
 * signatures inside key files). Throws ESEAL_CONFIG for anything invalid; returns warnings
 * for what is allowed but will make verifications fail or warn.
 */
export async function loadTrust(options: { cwd: string; configFile?: string }): Promise<Trust> {
  const { policy, warnings } = await loadPolicy(options);
  const keyring = await readKeyring(policy.keyring);
  const { keys } = keyring;
  warnings.push(...keyring.warnings);
  const counted = countKeys(policy, keys);
  if (counted.problems.length > 0) configError(policy.configPath, counted.problems);
  warnings.push(...counted.warnings);
  const listed = await readRevocations(policy.revocations);
  const revocations = [...listed.sort(compareRevocations), ...keyRevocations(keys).sort(compareRevocations)];
  if (keys.length === 0) warnings.push(`no pinned keys in ${policy.keyring}: no seal can be verified`);
  const now = new Date();
  for (const { name, key } of keys) {
    const label = `${name} (${key.fingerprint})`;
    const revoked = revocations.filter((r) => r.fingerprint === key.fingerprint);
    for (const r of revoked)
      warnings.push(
        `key ${label} is revoked (${r.reason}, ${formatDate(r.date)}, from the ${r.source === 'list' ? 'revocation list' : 'key file'})`,
      );
    if (key.expires && key.expires <= now) {
      warnings.push(`key ${label} expired on ${formatDate(key.expires)}: signatures it made before stay valid, later ones fail`);
    }
    const weak = algorithmProblem(key.algorithm, key.bits, policy.algorithms.minRsaBits);
    if (weak)
      warnings.push(`key ${label}: ${weak.found} is refused by ${weak.rule} (${weak.expected}): its signatures will fail`);
  }
  return { policy, keys, revocations, warnings };
}

/**
 * Whether each rule's threshold and approvals (and each channel threshold) can be met by the
 * distinct keys its names hold: several certificates in one key file all count under its NAME,
 * and one certificate in two files counts once. A rule whose names hold no key sealpack can use
 * is not refused here: its packages fail verification, and the keyring warned about the file.
 */
function countKeys(policy: Policy, keys: readonly PinnedKey[]): { problems: string[]; warnings: string[] } {
  const held = (names: readonly string[]) =>
    new Set(keys.filter((k) => names.includes(k.name)).map((k) => k.key.fingerprint)).size;
  const problems: string[] = [];
  const warnings: string[] = [];
  policy.trust.forEach((rule, i) => {
    const signers = held(rule.keys);
    if (!rule.implicit && signers > 0 && rule.threshold > signers) {
      problems.push(`trust[${i}].threshold: ${rule.threshold} is more than the ${signers} key(s) the rule's names hold`);
    }
    const approvers = held(rule.approvers);
    if (rule.approvals > approvers && (approvers > 0 || rule.approvers.length === 0)) {
      problems.push(
        `trust[${i}].approvals: ${rule.approvals} is more than the ${approvers} approver key(s) the rule's names hold`,
      );
    }
    const which = rule.implicit ? 'the implicit trust rule (every pinned key)' : `trust[${i}]`;
    for (const [channel, raised] of Object.entries(policy.channels)) {
      if (raised.threshold <= signers) continue;
      warnings.push(
        `channels.${channel}.threshold: ${raised.threshold} is more than the ${signers} key(s) of ${which}: ${channel} versions of its packages cannot pass`,
      );
    }
  });
  return { problems, warnings };
}
