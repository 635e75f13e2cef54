import { spawn } from 'node:child_process';
import { SignaturePacket } from './openpgp.js';
import { SealError, type SealCode } from '@sealpack/diagnostics';
import { armorSignaturePackets, readSignaturePackets } from './armor.js';
import { messageOf } from './error.js';
import { verifySignatures } from './signature.js';
import { APPROVAL_NOTATION, APPROVAL_VALUE, isApprovalPacket } from './approval.js';
import type { KeyInfo, SignOptions, Signer } from './key.types.js';

/** How long a signer may take by default: long enough for a PIN and a touch on a token. */
export const DEFAULT_SIGNER_TIMEOUT_MS = 120_000;
/** Hashes a returned signature may use: the default policy's, so what we write verifies. */
export const SIGNER_HASHES: readonly string[] = Object.freeze(['sha256', 'sha384', 'sha512']);
// How far a fresh signature's creation time may be from our clock.
const FUTURE_SKEW_MS = 5 * 60 * 1000;
const MAX_AGE_MS = 60 * 60 * 1000;
// An armored signature is a few kB; more is not one, and must not fill memory.
const MAX_OUTPUT_BYTES = 1024 * 1024;
const STDERR_TAIL = 2000;
const END_ARMOR = '-----END PGP SIGNATURE-----';
const PROTOCOL = 'what a signer must return: "The exec protocol" in plugins/gpg/README.md (sealpack\'s @sealpack/gpg)';

/** A signer's failure: nothing was written, and where the protocol is described. */
function signerError(code: SealCode, message: string, fingerprint: string, cause?: unknown): SealError {
  return new SealError(code, `${message}; nothing was written`, {
    fingerprint,
    details: [PROTOCOL],
    ...(cause === undefined ? {} : { cause }),
  });
}

export interface ExternalSignerOptions {
  /** What to run: argv[0] and its arguments, or `{ shell: COMMAND }` for `exec:COMMAND`. */
  command: readonly string[] | { shell: string };
  /** What to run for an approval signature, when it differs (gpg: `--sig-notation`). */
  approvalCommand?: readonly string[];
  /** The public key every returned signature must be made by (primary or signing subkey). */
  key: KeyInfo;
  /** How the signer is named in messages: `gpg`, `exec:COMMAND`. */
  label: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** The clock a returned signature's creation time is judged by. */
  now?: () => Date;
  /** Each line the command writes on stderr (gpg's notices, "touch your token"). */
  onStderr?: (line: string) => void;
}

/**
 * A Signer that runs a command: the bytes to sign on its stdin, an armored detached
 * signature on its stdout (the exec protocol of plugins/gpg/README.md). Every signature it
 * returns is checked before the caller sees it — one signature packet, made by `key`, a
 * binary document signature over exactly these bytes, an accepted hash, dated now, not
 * expired, by a key not revoked or expired — and returned re-armored, so nothing else the
 * command printed reaches a seal. A command that cannot run, fails or hangs is ESEAL_CONFIG.
 */
export function externalSigner(options: ExternalSignerOptions): Signer {
  const { key, label } = options;
  const userId = key.userIds[0];
  // One run at a time: a seal's signatures are asked for together, and two PIN prompts or
  // two token touches at once would garble the terminal.
  let queue: Promise<unknown> = Promise.resolve();
  const signNow = async (data: Uint8Array, approval: boolean): Promise<string> => {
    // SEALPACK_SIGNATURE_KIND tells an exec adapter which kind to make; what it returns is
    // checked for that kind: a release signature returned for an approval would count as a signer.
    const output = await runSigner(data, {
      ...options,
      command: (approval && options.approvalCommand) || options.command,
      env: { ...(options.env ?? process.env), SEALPACK_SIGNATURE_KIND: approval ? 'approval' : 'release' },
    });
    const single = await checkReturnedSignature(data, output, key, { label, now: options.now?.() ?? new Date() });
    const [packet] = (await readSignaturePackets(single, undefined)) as SignaturePacket[];
    if (isApprovalPacket(packet!) !== approval) {
      throw signerError(
        'ESEAL_BAD_SIGNATURE',
        approval
          ? `${label}: expected an approval signature (hashed notation ${APPROVAL_NOTATION}=${APPROVAL_VALUE}), found a release signature`
          : `${label}: expected a release signature, found an approval (notation ${APPROVAL_NOTATION})`,
        key.fingerprint,
      );
    }
    return single;
  };
  return {
    fingerprint: key.fingerprint,
    ...(userId ? { userId } : {}),
    publicKey: key,
    async sign(data: Uint8Array, date?: Date, signOptions: SignOptions = {}): Promise<string> {
      if (date) {
        throw new SealError(
          'ESEAL_CONFIG',
          `${label} signs at the current time only: it cannot sign as of ${date.toISOString()}`,
          {
            fingerprint: key.fingerprint,
          },
        );
      }
      const turn = queue.then(() => signNow(data, signOptions.approval === true));
      queue = turn.catch(() => undefined);
      return turn;
    },
  };
}

/**
 * The one signature packet of `armored`, re-armored, when it is an acceptable fresh signature
 * by `key` over `data`; otherwise throws (ESEAL_BAD_SIGNATURE, ESEAL_WEAK_ALGORITHM,
 * ESEAL_SIGNATURE_EXPIRED, ESEAL_KEY_REVOKED, ESEAL_KEY_EXPIRED).
 */
export async function checkReturnedSignature(
  data: Uint8Array,
  armored: string,
  key: KeyInfo,
  options: { label: string; now: Date },
): Promise<string> {
  const { label, now } = options;
  const refuse = (code: SealCode, message: string, cause?: unknown) =>
    signerError(code, `${label}: ${message}`, key.fingerprint, cause);

  if (!armored.trimStart().startsWith('-----BEGIN PGP SIGNATURE-----')) {
    throw refuse('ESEAL_BAD_SIGNATURE', `expected an armored OpenPGP signature on stdout, found ${describeOutput(armored)}`);
  }
  // One block and nothing after it: a second block would be read by some tools and not others.
  const end = armored.indexOf(END_ARMOR);
  if (end >= 0 && armored.slice(end + END_ARMOR.length).trim() !== '') {
    throw refuse(
      'ESEAL_BAD_SIGNATURE',
      `expected one armored signature on stdout, found more after it: ${describeOutput(armored.slice(end + END_ARMOR.length))}`,
    );
  }
  let packets;
  try {
    packets = await readSignaturePackets(armored, undefined);
  } catch (error) {
    throw refuse(
      'ESEAL_BAD_SIGNATURE',
      `expected an armored OpenPGP signature on stdout, found an unreadable one (${messageOf(error)})`,
      error,
    );
  }
  if (packets.length !== 1 || !(packets[0] instanceof SignaturePacket)) {
    throw refuse('ESEAL_BAD_SIGNATURE', `expected exactly one signature packet, found ${packets.length}`);
  }
  const single = armorSignaturePackets(packets);
  const [check] = await verifySignatures(data, single, [key]);
  if (!check) throw refuse('ESEAL_BAD_SIGNATURE', 'expected one signature packet OpenPGP.js can read, found none');
  if (check.primaryFingerprint !== key.fingerprint) {
    throw refuse(
      'ESEAL_BAD_SIGNATURE',
      `expected a signature by ${key.fingerprint}, found one by ${check.issuerFingerprint ?? `key id ${check.issuerKeyId}`}`,
    );
  }
  // The hash first: a weak hash is weak whether or not OpenPGP.js agrees to check it.
  if (!SIGNER_HASHES.includes(check.hash)) {
    throw refuse('ESEAL_WEAK_ALGORITHM', `expected a signature with hash ${SIGNER_HASHES.join(', ')}, found ${check.hash}`);
  }
  if (!check.valid) throw refuse('ESEAL_BAD_SIGNATURE', `the signature does not verify over the bytes given: ${check.reason}`);
  const created = check.created;
  const expires = check.signatureExpires;
  if (expires && expires.getTime() <= now.getTime()) {
    throw refuse('ESEAL_SIGNATURE_EXPIRED', `the signature expired on ${expires.toISOString()}, before it was returned`);
  }
  const signing = signingKeyCreated(key, check.signingKeyFingerprint);
  if (created.getTime() < signing.getTime()) {
    throw refuse(
      'ESEAL_SIGNATURE_EXPIRED',
      `the signature is dated ${created.toISOString()}, before its key was created (${signing.toISOString()})`,
    );
  }
  if (created.getTime() > now.getTime() + FUTURE_SKEW_MS || created.getTime() < now.getTime() - MAX_AGE_MS) {
    throw refuse(
      'ESEAL_BAD_SIGNATURE',
      `expected a signature made now (${now.toISOString()}), found one dated ${created.toISOString()}: check the signer's clock`,
    );
  }
  const revoked = check.keyRevocations[0];
  if (revoked) {
    throw refuse('ESEAL_KEY_REVOKED', `key ${key.fingerprint} was revoked (${revoked.reason}) on ${revoked.date.toISOString()}`);
  }
  if (check.keyExpires && check.keyExpires.getTime() <= created.getTime()) {
    throw refuse('ESEAL_KEY_EXPIRED', `key ${key.fingerprint} expired on ${check.keyExpires.toISOString()}`);
  }
  return single;
}

function signingKeyCreated(key: KeyInfo, fingerprint: string | undefined): Date {
  return key.subkeys.find((s) => s.fingerprint === fingerprint)?.created ?? key.created;
}

function describeOutput(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return 'nothing';
  const shown = trimmed.slice(0, 60);
  return `${JSON.stringify(shown)}${trimmed.length > shown.length ? '…' : ''}`;
}

/** Runs the command with `data` on stdin; resolves with its stdout, or throws ESEAL_CONFIG. */
function runSigner(data: Uint8Array, options: ExternalSignerOptions): Promise<string> {
  const { command, label } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_SIGNER_TIMEOUT_MS;
  const failed = (message: string, cause?: unknown) =>
    signerError('ESEAL_CONFIG', `${label}: ${message}`, options.key.fingerprint, cause);

  return new Promise((resolve, reject) => {
    // In sealpack's own process group (not detached): an adapter that asks for a PIN on the
    // terminal stays in the foreground, and Ctrl-C reaches it too.
    const child =
      'shell' in command
        ? spawn(command.shell, { shell: true, env: options.env, stdio: 'pipe' })
        : spawn(command[0]!, command.slice(1), { env: options.env, stdio: 'pipe' });
    const stdout: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let pending = '';
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      finish();
    };
    // Ends the wait now: a process the command started may hold stdout open after the command
    // is killed, so the pipes are closed on our side instead of waiting for their end.
    const stop = (error: Error) =>
      settle(() => {
        child.kill('SIGKILL');
        for (const stream of [child.stdin, child.stdout, child.stderr]) stream.destroy();
        reject(error);
      });
    const timer = setTimeout(() => stop(failed(`did not finish within ${timeoutMs / 1000} s`)), timeoutMs);

    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT_BYTES) {
        stop(
          signerError(
            'ESEAL_BAD_SIGNATURE',
            `${label}: expected one armored signature on stdout, found more than ${MAX_OUTPUT_BYTES} bytes`,
            options.key.fingerprint,
          ),
        );
        return;
      }
      stdout.push(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL);
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) options.onStderr?.(line);
    });
    // A command that exits without reading all of stdin closes the pipe: its exit status decides.
    child.stdin.on('error', () => {});
    child.stdin.end(data);

    child.on('error', (error) => {
      const code = (error as NodeJS.ErrnoException).code ?? messageOf(error);
      settle(() => reject(failed(`cannot run ${'shell' in command ? command.shell : command[0]} (${code})`, error)));
    });
    child.on('close', (status, signal) =>
      settle(() => {
        if (pending.trim()) options.onStderr?.(pending);
        if (status !== 0) {
          const tail = stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' / ')}` : '';
          reject(failed(`exited with ${signal ? `signal ${signal}` : `status ${status}`}${tail}`));
        } else {
          resolve(Buffer.concat(stdout).toString('utf8'));
        }
      }),
    );
  });
}
