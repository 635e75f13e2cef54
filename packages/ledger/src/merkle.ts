// RFC 6962 (Certificate Transparency) Merkle tree hashing, as RFC 9162 §2.1 restates it and
// as Sigsum and Rekor use it: a ledger's checkpoints can be checked by their tools too.
import { createHash } from 'node:crypto';

const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);

/** SHA-256(0x00 || entry): the hash of one ledger line (its bytes, without the newline). */
export function leafHash(entry: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF).update(entry).digest();
}

/** SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE).update(left).update(right).digest();
}

/** The largest power of two smaller than n (n > 1): where RFC 6962 splits a tree. */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[start:end]) over leaf hashes. */
function subtreeRoot(leaves: readonly Buffer[], start: number, end: number): Buffer {
  const n = end - start;
  if (n === 0) return createHash('sha256').digest();
  if (n === 1) return leaves[start]!;
  const k = split(n);
  return nodeHash(subtreeRoot(leaves, start, start + k), subtreeRoot(leaves, start + k, end));
}

/** The root hash of the tree whose leaves are the first `size` leaf hashes (all by default). */
export function treeRoot(leaves: readonly Buffer[], size = leaves.length): Buffer {
  if (size > leaves.length) throw new RangeError(`tree size ${size} is more than the ${leaves.length} leaves given`);
  return subtreeRoot(leaves, 0, size);
}

/**
 * The consistency proof from the tree of the first `oldSize` leaves to the tree of all of them
 * (RFC 6962 §2.1.2, PROOF(m, D[n])): the hashes a holder of the old root needs to check that
 * the new tree only appended to it.
 */
export function consistencyProof(leaves: readonly Buffer[], oldSize: number): Buffer[] {
  if (oldSize < 0 || oldSize > leaves.length) throw new RangeError(`old size ${oldSize} is not in 0..${leaves.length}`);
  if (oldSize === 0 || oldSize === leaves.length) return [];
  const proof: Buffer[] = [];
  const subproof = (m: number, start: number, end: number, complete: boolean): void => {
    const n = end - start;
    if (m === n) {
      if (!complete) proof.push(subtreeRoot(leaves, start, end));
      return;
    }
    const k = split(n);
    if (m <= k) {
      subproof(m, start, start + k, complete);
      proof.push(subtreeRoot(leaves, start + k, end));
    } else {
      subproof(m - k, start + k, end, false);
      proof.push(subtreeRoot(leaves, start, start + k));
    }
  };
  subproof(oldSize, 0, leaves.length, true);
  return proof;
}

/**
 * Checks a consistency proof (RFC 9162 §2.1.4.2): true when a tree of `newSize` leaves with
 * root `newRoot` extends the tree of `oldSize` leaves with root `oldRoot`.
 */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
  if (oldSize > newSize || oldSize < 0) return false;
  if (oldSize === newSize) return proof.length === 0 && same(oldRoot, newRoot);
  // An empty tree is consistent with every tree.
  if (oldSize === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = (oldSize & (oldSize - 1)) === 0 ? [oldRoot, ...proof] : [...proof];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  let fr: Buffer = Buffer.from(path[0]!);
  let sr: Buffer = Buffer.from(path[0]!);
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn & 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!(fn & 1)) {
        while (!(fn & 1) && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return same(fr, oldRoot) && same(sr, newRoot) && sn === 0;
}
