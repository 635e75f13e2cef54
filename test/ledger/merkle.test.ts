import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { consistencyProof, leafHash, treeRoot, verifyConsistency } from '@sealpack/ledger';

const test = suite('ledger merkle (RFC 6962)');

// The leaves and roots of Certificate Transparency's reference tests (RFC 6962 hashing).
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((hex) =>
  leafHash(Buffer.from(hex, 'hex')),
);
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const hex = (hashes: Buffer[]) => hashes.map((h) => h.toString('hex'));

test('roots match the reference vectors; the empty tree is SHA-256 of nothing', () => {
  assert.is(treeRoot([]).toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  ROOTS.forEach((root, i) => assert.is(treeRoot(LEAVES, i + 1).toString('hex'), root, `size ${i + 1}`));
});

test('consistency proofs match the reference vectors', () => {
  assert.equal(hex(consistencyProof(LEAVES, 1)), [
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ]);
  assert.equal(hex(consistencyProof(LEAVES, 6)), [
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  ]);
  assert.equal(hex(consistencyProof(LEAVES.slice(0, 5), 2)), [
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
  ]);
});

test('every proof from m to n verifies, and fails against another old root or a changed hash', () => {
  const leaves = Array.from({ length: 21 }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
  for (let n = 1; n <= leaves.length; n++) {
    const tree = leaves.slice(0, n);
    for (let m = 1; m <= n; m++) {
      const proof = consistencyProof(tree, m);
      const oldRoot = treeRoot(tree, m);
      const newRoot = treeRoot(tree);
      assert.ok(verifyConsistency(m, n, oldRoot, newRoot, proof), `${m} → ${n}`);
      if (m === n) continue;
      const forged = leaves.map((l, i) => (i === m - 1 ? leafHash(Buffer.from('forged')) : l)).slice(0, n);
      assert.not.ok(verifyConsistency(m, n, treeRoot(forged, m), newRoot, proof), `${m} → ${n}: another old tree`);
      const bent = proof.map((h, i) => (i === 0 ? leafHash(h) : h));
      assert.not.ok(verifyConsistency(m, n, oldRoot, newRoot, bent), `${m} → ${n}: a changed proof hash`);
      assert.not.ok(verifyConsistency(n, m, newRoot, oldRoot, proof), `${n} → ${m}: shrinking`);
    }
  }
});

test.run();
