import { resolve } from 'node:path';
import { hasGuard, readWorkspace, checkSignerNotRevoked } from '@sealpack/publish';
import { loadTrust, type Trust } from '@sealpack/trust';
import type { KeyInfo, Signer } from '@sealpack/openpgp';
import { readNpmConfig, registryFor } from '@sealpack/verify/npmrc';
import { RegistryClient } from '@sealpack/verify/registry';
import type { Context } from '../main.js';
import { loadSigner, parseDays } from '../options.js';
import { printJson } from '../report.js';

const DAY = 86_400_000;

/** What doctor checked, for people and for `--json`. */
interface DoctorReport {
  key?: { fingerprint: string; userId?: string; expires: string | null | 'unknown'; pinnedAs?: string };
  registries: { registry: string; user?: string; error?: string }[];
}

/**
 * `sealpack doctor [DIR]` for CI: every publishable package has the guard, the signing key
 * is present, decrypts, is not revoked and can still sign in `--days` days, the keyring and
 * policy load, and each registry the packages publish to knows our credentials (unless
 * `--offline`). Exit 1 naming each problem, 0 when clean; it says which key, expiry and
 * registries it checked.
 */
export async function run(args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  const days = parseDays(options.days);
  const workspace = await readWorkspace(resolve(context.cwd, String(args[0] ?? '.')));
  const problems: string[] = [];
  const notes: string[] = [];

  for (const pkg of workspace.packages) {
    if (!pkg.private && !hasGuard(pkg.packageJson))
      problems.push(`${pkg.name}: no "prepublishOnly": "sealpack guard" (run \`sealpack init\`)`);
  }

  let trust: Trust | undefined;
  try {
    trust = await loadTrust({ cwd: workspace.root });
    notes.push(...trust.warnings);
    const soon = Date.now() + days * DAY;
    for (const { name, key } of trust.keys) {
      if (key.expires && key.expires.getTime() > Date.now() && key.expires.getTime() <= soon)
        notes.push(
          `pinned key ${name} (${key.fingerprint}) expires on ${key.expires.toISOString().slice(0, 10)}, within ${days} days: rotate it (\`sealpack keys rotate\`) or ask its owner for an extended copy`,
        );
    }
  } catch (error) {
    problems.push(`keyring and policy: ${(error as Error).message}`);
  }

  let signer: Signer | undefined;
  try {
    signer = await loadSigner(options, { ...context, cwd: context.cwd });
  } catch (error) {
    problems.push(`signing key: ${(error as Error).message}`);
  }
  if (signer) {
    try {
      checkSignerNotRevoked(signer, trust);
    } catch (error) {
      problems.push(`signing key: ${(error as Error).message}`);
    }
    // A key file's Signer refuses to sign at a date its key is expired (or revoked) at: asking
    // it to sign as of `days` from now answers "will it still sign then?" with OpenPGP.js's own
    // rules. gpg and exec signers sign now only (and a probe would ask for a PIN or a touch):
    // their public key's expiry answers instead.
    const then = new Date(Date.now() + days * DAY);
    try {
      if (signer.publicKey) {
        if (!canSignAt(signer.publicKey, then)) throw new Error('expires');
      } else {
        await signer.sign(new Uint8Array([0]), then);
      }
    } catch {
      problems.push(
        `signing key ${signer.fingerprint}: cannot sign on ${then.toISOString().slice(0, 10)}: it expires within ${days} days; extend it (gpg --quick-set-expire) and re-pin the public key`,
      );
    }
    if (trust && !trust.keys.some((k) => k.key.fingerprint === signer!.fingerprint)) {
      notes.push(
        `signing key ${signer.fingerprint} is not pinned in ${trust.policy.keyring}: consumers of this repository's own policy cannot verify it`,
      );
    }
  }

  const report: DoctorReport = { registries: [] };
  if (signer) {
    // Expiry from the pinned copy of the key (what consumers judge signatures by), else from
    // the signer's own public key.
    const pinned = trust?.keys.find((k) => k.key.fingerprint === signer.fingerprint);
    const info = pinned?.key ?? signer.publicKey;
    report.key = {
      fingerprint: signer.fingerprint,
      ...(signer.userId ? { userId: signer.userId } : {}),
      expires: info ? (info.expires?.toISOString() ?? null) : 'unknown',
      ...(pinned ? { pinnedAs: pinned.name } : {}),
    };
  }

  if (options.offline !== true) {
    // Every registry a publishable package goes to, asked once each, as `npm whoami` asks.
    const targets = new Map<string, ReturnType<typeof readNpmConfig>>();
    for (const pkg of workspace.packages.filter((p) => !p.private)) {
      const npm = readNpmConfig({ cwd: pkg.dir, root: workspace.root, env: context.env });
      const registry = registryFor(pkg.name, npm, pkg.packageJson.publishConfig as { registry?: string } | undefined);
      if (!targets.has(registry)) targets.set(registry, npm);
    }
    for (const [registry, npm] of targets) {
      try {
        report.registries.push({ registry, user: await new RegistryClient({ config: npm }).whoami(registry) });
      } catch (error) {
        const message = (error as Error).message;
        report.registries.push({ registry, error: message });
        problems.push(`registry: ${message}`);
      }
    }
  }

  if (workspace.packages.some((p) => !p.private && hasGuard(p.packageJson))) {
    notes.push(
      'the guard stops `npm publish` / `pnpm publish` of a folder; `npm publish X.tgz` runs no lifecycle scripts, so no guard can stop it',
    );
  }
  const checked = workspace.packages.filter((p) => !p.private).length;
  if (options.json === true) {
    const ok = problems.length === 0;
    printJson(context, { ok, exitCode: ok ? 0 : 1, packages: checked, ...report, problems, warnings: notes });
    return problems.length === 0 ? 0 : 1;
  }
  if (report.key) {
    const { fingerprint, userId, expires, pinnedAs } = report.key;
    const expiry = expires === 'unknown' ? 'expiry unknown' : expires ? `expires ${expires.slice(0, 10)}` : 'never expires';
    context.out(`key: ${fingerprint}${userId ? ` ${userId}` : ''}, ${expiry}${pinnedAs ? `, pinned as ${pinnedAs}` : ''}`);
  }
  for (const r of report.registries)
    context.out(`registry: ${r.registry} ${r.user ? `(logged in as ${r.user})` : '(not logged in)'}`);
  if (options.offline === true) context.out('registry: not checked (--offline)');
  for (const note of notes) context.out(note.startsWith('the guard') ? `note: ${note}` : `warning: ${note}`);
  for (const problem of problems) context.out(`problem: ${problem}`);
  context.out(
    `sealpack doctor: ${problems.length === 0 ? 'ok' : `${problems.length} problem${problems.length === 1 ? '' : 's'}`} (${checked} publishable package${checked === 1 ? '' : 's'})`,
  );
  return problems.length === 0 ? 0 : 1;
}

/** The primary key is valid at `date`, and so is a signing subkey when it has any. */
function canSignAt(key: KeyInfo, date: Date): boolean {
  const valid = (expires: Date | null) => expires === null || expires.getTime() > date.getTime();
  const signing = key.subkeys.filter((s) => s.canSign);
  return valid(key.expires) && (signing.length === 0 || signing.some((s) => valid(s.expires)));
}
