import { SealError } from '@sealpack/diagnostics';

/** The causes a refused argument gives its error (`found`), which hints.ts turns into advice. */
export const REFUSED = {
  armored: 'armored argument',
  multiline: 'multi-line argument',
  cluster: 'flag cluster',
  usage: 'usage',
} as const;

/**
 * Checks the command line before cac reads it. Refused, and never shown in the message:
 * - an armored block, OpenPGP or PEM (`--key="$(cat alice.key.asc)"`): a private key never comes from an
 *   argument's value (shell history, process listings, CI logs), and echoing it in "cannot read
 *   FILE" would print it to the log;
 * - any other value on several lines: a file's contents pasted where its path belongs;
 * - a group of short flags (`-xyh`, or `--key "-----BEGIN…"` as mri reads it): cac would take its
 *   letters one by one, and an `h` among them prints the help and exits 0 with nothing done.
 *   sealpack's short flags stand alone (`-r`, `-h`, `-v`), so a group is never meant;
 * - a flag where a value belongs (`--tag -h`, `valueFlags`: the options that take one): the same
 *   help and exit 0 for `-h`, a missing value otherwise.
 */
export function checkArguments(args: readonly string[], valueFlags: ReadonlySet<string> = new Set()): void {
  let options = true;
  for (const [i, arg] of args.entries()) {
    // After `--` every argument is positional: no flag groups, but still no key or pasted file.
    if (arg === '--') options = false;
    const where = describe(args, i);
    if (arg.includes('-----BEGIN ')) {
      throw new SealError(
        'ESEAL_CONFIG',
        `${where} holds an armored block (BEGIN …: a key, a signature): refused, and not shown here; a private key never comes from a command-line argument, which shell history, process listings and CI logs keep`,
        { found: REFUSED.armored },
      );
    }
    if (/[\r\n]/.test(arg)) {
      throw new SealError(
        'ESEAL_CONFIG',
        `${where} spans several lines: refused, and not shown here; expected a path, name or value on one line`,
        { found: REFUSED.multiline },
      );
    }
    if (options && /^(-[^-]{2,}|-{3,}.)/.test(arg)) {
      throw new SealError(
        'ESEAL_CONFIG',
        `${where} starts with "-" and would be read as a group of short flags: refused, and not shown here; sealpack's short flags stand alone (-r, -h, -v)`,
        { found: REFUSED.cluster },
      );
    }
    // `--tag -h`: cac would leave --tag without its value and print the help, exit 0.
    if (options && i > 0 && arg.startsWith('-') && arg !== '-' && valueFlags.has(args[i - 1]!)) {
      throw new SealError(
        'ESEAL_CONFIG',
        `${where}: expected a value after ${args[i - 1]}, found a flag: refused, and not shown here`,
        { found: REFUSED.cluster },
      );
    }
  }
}

/** "argument 3 (the value of --key)": where the refused argument is, without its text. */
function describe(args: readonly string[], i: number): string {
  const arg = args[i]!;
  const flag = /^(--[A-Za-z][\w-]*)=/.exec(arg)?.[1];
  const before = i > 0 && /^--?[A-Za-z][\w-]*$/.test(args[i - 1]!) ? args[i - 1] : undefined;
  const of = flag ? ` (the value of ${flag})` : before ? ` (after ${before})` : '';
  return `argument ${i + 1}${of}`;
}

/**
 * A message with any private key block in it replaced: the last line of defence, for a key that
 * reached an error by another way than an argument (SEALPACK_SIGNER holding a key instead of a
 * signer). A key cut short (a message shows the first characters of something) is hidden to the
 * end of the text. Public keys and signatures stay: diagnostics quote them.
 */
export function hidePrivateKeys(text: string): string {
  return text.replace(PRIVATE_KEY_BLOCK, '[private key, not shown]');
}

const PRIVATE_KEY_BLOCK =
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z0-9 ]*-----[^]*?(-----END [A-Z0-9 ]*PRIVATE KEY[A-Z0-9 ]*-----|$)/g;
