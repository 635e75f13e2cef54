import { resolve } from 'node:path';
import { SealError } from '@sealpack/diagnostics';
import { hasGuard, readWorkspace, checkSignerNotRevoked } from '@sealpack/publish';
import { loadTrust, type Trust } from '@sealpack/trust';
import type { KeyInfo, Signer } from '@sealpack/openpgp';
import type { Context } from '../main.js';
import { loadSigner } from '../options.js';

const DAY = 86_400_000;

/**
 * `sealpack doctor [DIR]` for CI: every publishable package has the guard, the signing key
 * is present, decrypts, is not revoked and can still sign in `--days` days, the keyring and
 * policy load. Exit 1 naming each problem, 0 when clean.
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

  if (workspace.packages.some((p) => !p.private && hasGuard(p.packageJson))) {
    context.err(
      'note: the guard stops `npm publish` / `pnpm publish` of a folder; `npm publish X.tgz` runs no lifecycle scripts, so no guard can stop it',
    );
  }
  for (const note of notes) context.err(`warning: ${note}`);
  for (const problem of problems) context.err(`problem: ${problem}`);
  const checked = workspace.packages.filter((p) => !p.private).length;
  context.err(
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

/** `--days N`: a whole number of days, 0 to 3650; anything else is a usage error, not a RangeError. */
function parseDays(value: unknown): number {
  if (value === undefined) return 30;
  const text = String(value);
  const days = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(days) || days > 3650) {
    throw new SealError('ESEAL_CONFIG', `--days: expected a whole number of days from 0 to 3650, found ${JSON.stringify(text)}`);
  }
  return days;
}
