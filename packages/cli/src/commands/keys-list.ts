import { readFile } from 'node:fs/promises';
import { readKeyMaterial } from '@sealpack/openpgp';
import { loadTrust, type Trust } from '@sealpack/trust';
import type { Context } from '../main.js';
import { parseDays } from '../options.js';
import { printJson } from '../report.js';

const DAY = 86_400_000;

interface ListedKey {
  name: string;
  file: string;
  fingerprint: string;
  algorithm: string;
  bits?: number;
  version: number;
  created: Date;
  expires: Date | null;
  expiresWithinDays: boolean;
  revoked: { reason: string; date: Date; comment?: string; source: string }[];
  certifiedBy: { name: string; fingerprint: string; created: Date }[];
  /** Package globs each rule lets the key sign (`trust[i]`), and approve. */
  signs: { rule: string; packages: string[] }[];
  approves: { rule: string; packages: string[] }[];
  userIds: string[];
}

/** `sealpack keys list [--json] [--days N]`: every pinned key, what it may sign, and which expire soon. */
export async function run(_args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  const days = parseDays(options.days);
  const trust = await loadTrust({ cwd: context.cwd, configFile: options.config as string | undefined });
  const keys = await listKeys(trust, new Date(Date.now() + days * DAY));
  const expiring = keys.filter((k) => k.expiresWithinDays).map((k) => k.name);
  if (options.json === true) {
    printJson(context, { ok: true, exitCode: 0, keyring: trust.policy.keyring, days, keys, expiring, warnings: trust.warnings });
    return 0;
  }
  for (const warning of trust.warnings) context.logger.warn(warning);
  const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : 'never');
  for (const key of keys) {
    const bits = key.bits ? ` ${key.bits}` : '';
    context.out(`${key.name}  ${key.fingerprint}`);
    context.out(
      `  ${key.algorithm}${bits} v${key.version}, created ${day(key.created)}, expires ${day(key.expires)}${key.expiresWithinDays ? ` (within ${days} days)` : ''}`,
    );
    for (const userId of key.userIds) context.out(`  user ID ${userId}`);
    for (const r of key.revoked) {
      const comment = r.comment ? ` "${r.comment}"` : '';
      context.out(
        `  revoked: ${r.reason} on ${r.date.toISOString()}${comment} (from the ${r.source === 'list' ? 'revocation list' : 'key file'})`,
      );
    }
    for (const c of key.certifiedBy) context.out(`  certified by ${c.name} (${c.fingerprint}) on ${day(c.created)}`);
    for (const s of key.signs) context.out(`  signs ${s.packages.join(', ')} (${s.rule})`);
    for (const a of key.approves) context.out(`  approves ${a.packages.join(', ')} (${a.rule})`);
    if (key.signs.length === 0 && key.approves.length === 0) context.out('  signs nothing: no trust rule names it');
  }
  context.out(
    keys.length === 0
      ? `no pinned keys in ${trust.policy.keyring}`
      : `${keys.length} pinned key(s); expiring within ${days} days: ${expiring.length > 0 ? expiring.join(', ') : 'none'}`,
  );
  return 0;
}

export async function listKeys(trust: Trust, soon: Date): Promise<ListedKey[]> {
  const pinned = trust.keys.map((k) => k.key);
  const listed: ListedKey[] = [];
  for (const { name, file, key } of trust.keys) {
    // Certifications by other pinned keys, checked as `keys update` checks them.
    const others = pinned.filter((k) => k.fingerprint !== key.fingerprint);
    const material = await readKeyMaterial(new Uint8Array(await readFile(file)), others, file).catch(() => undefined);
    const certifications = material?.keys.find((k) => k.info.fingerprint === key.fingerprint)?.certifications ?? [];
    const certifiedBy = new Map<string, ListedKey['certifiedBy'][number]>();
    for (const c of certifications) {
      const certifier = c.valid && trust.keys.find((k) => k.key.fingerprint === c.certifier);
      if (certifier && !certifiedBy.has(c.certifier))
        certifiedBy.set(c.certifier, { name: certifier.name, fingerprint: c.certifier, created: c.created });
    }
    const rules = trust.policy.trust.map((rule, i) => ({ rule, label: rule.implicit ? 'trust (implicit)' : `trust[${i}]` }));
    listed.push({
      name,
      file,
      fingerprint: key.fingerprint,
      algorithm: key.algorithm,
      ...(key.bits ? { bits: key.bits } : {}),
      version: key.version,
      created: key.created,
      expires: key.expires,
      expiresWithinDays: key.expires !== null && key.expires <= soon,
      revoked: trust.revocations
        .filter((r) => r.fingerprint === key.fingerprint)
        .map((r) => ({ reason: r.reason, date: r.date, ...(r.comment ? { comment: r.comment } : {}), source: r.source })),
      certifiedBy: [...certifiedBy.values()],
      signs: rules
        .filter(({ rule }) => rule.keys.includes(name))
        .map(({ rule, label }) => ({ rule: label, packages: rule.packages })),
      approves: rules
        .filter(({ rule }) => rule.approvers.includes(name))
        .map(({ rule, label }) => ({ rule: label, packages: rule.packages })),
      userIds: key.userIds,
    });
  }
  return listed;
}
