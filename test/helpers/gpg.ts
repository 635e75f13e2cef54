// Real GnuPG in a throwaway GNUPGHOME: the other implementation our seals must agree with.
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from './index.js';

export interface GpgResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface Gpg {
  home: string;
  run(args: string[], input?: string): GpgResult;
  /** Fingerprint of the first key whose user ID matches `uid`. */
  fingerprint(uid: string): string;
  /** `gpg --verify` with status lines: true only on GOODSIG and VALIDSIG (never the exit code alone). */
  verifies(signature: string, data: string): boolean;
}

export async function createGpg(): Promise<Gpg> {
  const home = await tempDir('sealpack-gnupg-');
  await writeFile(join(home, 'gpg.conf'), 'no-auto-key-retrieve\nno-greeting\n');
  const run = (args: string[], input?: string): GpgResult => {
    const result = spawnSync('gpg', ['--homedir', home, '--batch', '--yes', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], {
      input,
      encoding: 'utf8',
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  return {
    home,
    run,
    fingerprint(uid) {
      const out = run(['--with-colons', '--list-keys', uid]).stdout;
      const fpr = /^fpr:+([0-9A-F]+):/m.exec(out)?.[1];
      if (!fpr) throw new Error(`gpg has no key for ${uid}: ${out}`);
      return fpr;
    },
    verifies(signature, data) {
      const out = run(['--status-fd', '1', '--verify', signature, data]).stdout;
      return /^\[GNUPG:\] GOODSIG /m.test(out) && /^\[GNUPG:\] VALIDSIG /m.test(out);
    },
  };
}
