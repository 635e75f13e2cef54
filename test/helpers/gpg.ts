// A throwaway GnuPG home for interop tests: real gpg/gpgv 2.2, batch mode, no passphrases.
import * as assert from 'uvu/assert';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, tempDir, type RunResult } from './index.js';

export type Reason = 'unspecified' | 'compromised' | 'superseded' | 'retired';
// gpg's revocation menu numbers its answers differently from the OpenPGP reason codes
// (0 none, 1 superseded, 2 compromised, 3 retired) it writes into the signature.
const MENU: Record<Reason, number> = { unspecified: 0, compromised: 1, superseded: 2, retired: 3 };

// The description is read up to an empty line.
const answer = (comment: string): string => (comment ? `${comment}\n\n` : '\n');

export class Gpg {
  private constructor(readonly home: string) {}

  static async create(): Promise<Gpg> {
    const home = await tempDir('sealpack-gpg-');
    await chmod(home, 0o700);
    return new Gpg(home);
  }

  /** Runs gpg; fails the test on a non-zero exit unless `allowFailure`. */
  run(args: string[], options: { input?: string; batch?: boolean; allowFailure?: boolean } = {}): RunResult {
    const base = ['--homedir', this.home, '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', ''];
    // --gen-revoke and --edit-key refuse --batch; they read answers from --command-fd.
    if (options.batch !== false) base.push('--batch');
    const result = run('gpg', [...base, ...args], { input: options.input ?? '' });
    if (!options.allowFailure) assert.is(result.status, 0, `gpg ${args.join(' ')}\n${result.stderr}`);
    return result;
  }

  /** Generates a key with --quick-gen-key and returns its primary fingerprint. */
  generate(userId: string, algo: string, usage: string, expire = '0', extra: string[] = []): string {
    this.run([...extra, '--quick-gen-key', userId, algo, usage, expire]);
    return this.fingerprints(userId)[0]!;
  }

  /** Primary then subkey fingerprints of the key(s) matching `id`. */
  fingerprints(id: string): string[] {
    const out = this.run(['--with-colons', '--list-keys', id]).stdout;
    return out
      .split('\n')
      .filter((line) => line.startsWith('fpr:'))
      .map((line) => line.split(':')[9]!);
  }

  exportPublic(id: string): string {
    return this.run(['--armor', '--export', id]).stdout;
  }

  exportSecret(id: string): string {
    return this.run(['--armor', '--export-secret-keys', id]).stdout;
  }

  importKey(armored: string): void {
    this.run(['--import'], { input: armored });
  }

  /** Revokes a whole key with --gen-revoke and imports the certificate. */
  revoke(fingerprint: string, reason: Reason, comment: string): void {
    this.run(['--import', this.revocationFile(fingerprint, reason, comment)]);
  }

  /** The armored revocation certificate `gpg --gen-revoke` writes (not imported). */
  async revocationCertificate(fingerprint: string, reason: Reason, comment = '', extra: string[] = []): Promise<string> {
    return readFile(this.revocationFile(fingerprint, reason, comment, extra), 'utf8');
  }

  private revocationFile(fingerprint: string, reason: Reason, comment: string, extra: string[] = []): string {
    const certificate = join(this.home, `${fingerprint}.${Math.random().toString(36).slice(2)}.rev.asc`);
    this.run([...extra, '--command-fd', '0', '--output', certificate, '--gen-revoke', fingerprint], {
      batch: false,
      input: `y\n${MENU[reason]}\n${answer(comment)}y\n`,
    });
    return certificate;
  }

  /** `gpg --export` without --armor: the binary form of NAME.gpg. */
  async exportBinary(id: string): Promise<Uint8Array> {
    const out = join(this.home, `${Math.random().toString(36).slice(2)}.gpg`);
    this.run(['--output', out, '--export', id]);
    return new Uint8Array(await readFile(out));
  }

  /** `gpg --detach-sign` without --armor: a binary signature. */
  async signBinary(id: string, data: Uint8Array, extra: string[] = []): Promise<Uint8Array> {
    const file = join(this.home, 'data.bin');
    await writeFile(file, data);
    const out = `${file}.${Math.random().toString(36).slice(2)}.sig`;
    this.run([...extra, '--local-user', id, '--output', out, '--detach-sign', file]);
    return new Uint8Array(await readFile(out));
  }

  /** Revokes subkey number `index` (1-based) with --edit-key. */
  revokeSubkey(fingerprint: string, index: number, reason: Reason, comment: string): void {
    this.run(['--command-fd', '0', '--edit-key', fingerprint], {
      batch: false,
      input: `key ${index}\nrevkey\ny\n${MENU[reason]}\n${answer(comment)}y\nsave\n`,
    });
  }

  async signDetached(id: string, data: Uint8Array, extra: string[] = []): Promise<string> {
    const file = join(this.home, 'data.bin');
    await writeFile(file, data);
    const out = `${file}.${Math.random().toString(36).slice(2)}.asc`;
    this.run([...extra, '--local-user', id, '--armor', '--output', out, '--detach-sign', file]);
    return readFile(out, 'utf8');
  }

  /** gpg --verify with --status-fd 1: the status lines, for GOODSIG/VALIDSIG checks. */
  async verify(signature: string, data: Uint8Array): Promise<string> {
    const [sig, file] = [join(this.home, 'v.asc'), join(this.home, 'v.bin')];
    await writeFile(sig, signature);
    await writeFile(file, data);
    return this.run(['--status-fd', '1', '--verify', sig, file], { allowFailure: true }).stdout;
  }

  /** gpgv against a keyring holding only `publicKey`. */
  async gpgv(publicKey: string, signature: string, data: Uint8Array): Promise<string> {
    const [asc, ring, sig, file] = ['k.asc', 'k.gpg', 'g.asc', 'g.bin'].map((name) => join(this.home, name)) as [
      string,
      string,
      string,
      string,
    ];
    await writeFile(asc, publicKey);
    this.run(['--yes', '--output', ring, '--dearmor', asc]);
    await writeFile(sig, signature);
    await writeFile(file, data);
    return run('gpgv', ['--homedir', this.home, '--keyring', ring, '--status-fd', '1', sig, file]).stdout;
  }

  /** Stops the gpg-agent this home started (only that one). */
  stop(): void {
    run('gpgconf', ['--homedir', this.home, '--kill', 'all']);
  }
}

/** The fingerprint of a VALIDSIG status line, and its last field (the primary key's). */
export function validSig(status: string): { fingerprint: string; primary: string } | undefined {
  const line = status.split('\n').find((l) => l.startsWith('[GNUPG:] VALIDSIG '));
  if (!line) return undefined;
  const fields = line.trim().split(' ');
  return { fingerprint: fields[2]!, primary: fields.at(-1)! };
}

export function goodSigs(status: string): number {
  return status.split('\n').filter((l) => l.startsWith('[GNUPG:] GOODSIG ')).length;
}
