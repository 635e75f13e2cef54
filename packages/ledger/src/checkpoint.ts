// Checkpoints in the C2SP checkpoint text format (c2sp.org/tlog-checkpoint): the note body
// is three lines, origin, tree size in decimal, root hash in base64, each ending in "\n".
// C2SP's signed-note signature lines are replaced by OpenPGP: after the body's blank line
// comes an ASCII-armored detached OpenPGP signature over the exact body bytes (the three
// lines with their newlines), so `gpg --verify` or `sqv` can check a checkpoint too.
import { SealError } from '@sealpack/diagnostics';

export interface Checkpoint {
  origin: string;
  size: number;
  root: Buffer;
}

export interface SignedCheckpoint extends Checkpoint {
  /** The exact bytes the signature covers. */
  body: Buffer;
  /** The armored detached signature. */
  signature: string;
}

/** The default origin line: names the log; a checkpoint is only compared with one of the same origin. */
export const DEFAULT_ORIGIN = 'sealpack ledger';

/** The signed part of a checkpoint: origin, size and base64 root, one a line. */
export function formatCheckpointBody({ origin, size, root }: Checkpoint): string {
  if (origin === '' || /\n/.test(origin)) throw new RangeError('a checkpoint origin is one non-empty line');
  return `${origin}\n${size}\n${root.toString('base64')}\n`;
}

/** The whole checkpoint file: body, blank line, armored signature. */
export function formatSignedCheckpoint(checkpoint: Checkpoint, signature: string): string {
  return `${formatCheckpointBody(checkpoint)}\n${signature.endsWith('\n') ? signature : `${signature}\n`}`;
}

/** Parses a checkpoint file strictly (any deviation is ESEAL_LEDGER: a checkpoint is evidence). */
export function parseCheckpoint(text: string, source: string): SignedCheckpoint {
  const fail = (why: string): never => {
    throw new SealError('ESEAL_LEDGER', `${source}: not a sealpack checkpoint: ${why}`, { artifact: source });
  };
  const blank = text.indexOf('\n\n');
  if (blank === -1) fail('expected the body, a blank line, then the signature');
  const bodyText = text.slice(0, blank + 1);
  const lines = bodyText.split('\n');
  // Extension lines (C2SP allows them after the root) are not written by sealpack and not accepted.
  if (lines.length !== 4) fail(`expected 3 body lines (origin, size, root), found ${lines.length - 1}`);
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (origin === '') fail('the origin line is empty');
  if (!/^(0|[1-9]\d*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) fail(`tree size ${JSON.stringify(sizeText)}`);
  const root = Buffer.from(rootText, 'base64');
  if (root.length !== 32 || root.toString('base64') !== rootText)
    fail(`root hash ${JSON.stringify(rootText)} is not 32 bytes of base64`);
  const signature = text.slice(blank + 2);
  if (!/^-----BEGIN PGP SIGNATURE-----\n[\s\S]*-----END PGP SIGNATURE-----\s*$/.test(signature)) {
    fail('expected an armored OpenPGP signature after the blank line');
  }
  return { origin, size: Number(sizeText), root, body: Buffer.from(bodyText), signature };
}
