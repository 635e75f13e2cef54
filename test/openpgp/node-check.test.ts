import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { generateKey, readPublicKey, readSigningKey, verifySignatures, type GeneratedKey, type KeyInfo } from '@sealpack/openpgp';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT } from '../helpers/index.js';

// Document signatures are checked with Node's crypto and one imported key per key
// (node-check.ts): each case below is one that OpenPGP.js's SignaturePacket.verify refuses,
// and the fast path must refuse it too, never be more lenient.
const test = suite('openpgp: signature checks with one imported key per key');

const data = new TextEncoder().encode(JSON.stringify({ files: Array.from({ length: 40 }, (_, i) => `lib/${i}.js`) }));

// OpenPGP.js itself, the very module @sealpack/openpgp runs, to craft packets sealpack never writes.
/* eslint-disable @typescript-eslint/no-explicit-any -- OpenPGP.js internals, absent from its .d.ts */
// Required as packages/openpgp/src/openpgp.ts requires it: the same module, the same classes.
const openpgp = createRequire(join(ROOT, 'packages', 'openpgp', 'package.json'))('openpgp') as any;

interface Party {
  key: GeneratedKey;
  info: KeyInfo;
  secret: any;
}
const parties: Record<'ed25519' | 'v6' | 'rsa' | 'other' | 'other6', Party> = {} as never;

test.before(async () => {
  const make = async (options: Parameters<typeof generateKey>[0]): Promise<Party> => {
    const key = await generateKey(options);
    const secret = (await openpgp.readPrivateKey({ armoredKey: key.privateKey })).keyPacket;
    return { key, info: await readPublicKey(key.publicKey), secret };
  };
  parties.ed25519 = await make({ name: 'Alice' });
  parties.v6 = await make({ name: 'Vera', v6: true });
  parties.rsa = await make({ name: 'Rob', algorithm: 'rsa3072' });
  parties.other = await make({ name: 'Mallory' });
  parties.other6 = await make({ name: 'Mallory', v6: true });
});

function literal(bytes: Uint8Array): unknown {
  const packet = new openpgp.LiteralDataPacket();
  packet.setBytes(bytes, openpgp.enums.literal.binary);
  return packet;
}

function armor(packet: unknown): string {
  const list = new openpgp.PacketList();
  list.push(packet);
  return new openpgp.Signature(list).armor();
}

/**
 * A binary document signature over `data` made with `by`'s secret key, as OpenPGP.js's own
 * SignaturePacket.sign makes it; `claim` names another key as its issuer; `shape` changes
 * the packet before it is signed (so the change is covered by the signature).
 */
async function signRaw(by: Party, options: { claim?: Party; shape?: (packet: any) => void } = {}): Promise<string> {
  const packet = new openpgp.SignaturePacket();
  packet.signatureType = openpgp.enums.signature.binary;
  packet.publicKeyAlgorithm = by.secret.algorithm;
  packet.hashAlgorithm = openpgp.enums.hash.sha512;
  options.shape?.(packet);
  const claimed = options.claim?.secret;
  const signer = claimed
    ? Object.create(by.secret, {
        getKeyID: { value: () => claimed.getKeyID() },
        getFingerprintBytes: { value: () => claimed.getFingerprintBytes() },
      })
    : by.secret;
  await packet.sign(signer, literal(data), new Date(), true, openpgp.config);
  return armor(packet);
}

/** A signature made by sealpack, read back and changed, then armored again. */
async function altered(party: Party, change: (packet: any) => void): Promise<string> {
  const signature = await (await readSigningKey(party.key.privateKey)).sign(data);
  const [packet] = (await openpgp.readSignature({ armoredSignature: signature })).packets;
  change(packet);
  return armor(packet);
}

async function checkOne(signature: string, party: Party, bytes = data) {
  const checks = await verifySignatures(bytes, signature, [party.info]);
  assert.is(checks.length, 1);
  return checks[0]!;
}

const random = (size: number) => new Uint8Array(Array.from({ length: size }, () => 1 + Math.floor(Math.random() * 254)));

/** Random signature values of the right sizes for `name`'s key. */
const forgedParams = (name: 'ed25519' | 'v6' | 'rsa') =>
  name === 'v6' ? { RS: random(64) } : name === 'rsa' ? { s: random(384) } : { r: random(32), s: random(32) };

for (const name of ['ed25519', 'v6', 'rsa'] as const) {
  test(`${name}: a signature verifies; a flipped byte in the data does not`, async () => {
    const party = parties[name];
    const signature = await (await readSigningKey(party.key.privateKey)).sign(data);
    assert.is((await checkOne(signature, party)).valid, true);
    assert.is((await checkOne(await signRaw(party), party)).valid, true, 'the raw signer makes good signatures');
    const flipped = data.slice();
    flipped[7]! ^= 1;
    const check = await checkOne(signature, party, flipped);
    assert.is(check.valid, false);
    assert.match(check.reason ?? '', /^signature does not verify: /);
  });

  test(`${name}: a forged signature value (right digest prefix) does not verify`, async () => {
    const party = parties[name];
    const forged = await altered(party, (packet) => {
      packet.params = forgedParams(name);
    });
    const check = await checkOne(forged, party);
    assert.is(check.valid, false);
    assert.is(check.primaryFingerprint, party.info.fingerprint);
    assert.match(check.reason ?? '', /signature does not verify: Signature verification failed/);
  });

  // Many checks in flight at once (a lockfile's): each answer must reach its own caller, a
  // forged one among good ones included (a guard for moving the checks off the main thread).
  test(`${name}: checks in flight together each get their own answer`, async () => {
    const party = parties[name];
    const signer = await readSigningKey(party.key.privateKey);
    const cases = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const bytes = new TextEncoder().encode(`document ${i}`);
        const signature = await signer.sign(bytes);
        if (i % 3 !== 1) return { signature, bytes, good: true };
        // A forged value with the right digest prefix: only the signature check refuses it.
        const [packet] = (await openpgp.readSignature({ armoredSignature: signature })).packets;
        packet.params = forgedParams(name);
        return { signature: armor(packet), bytes, good: false };
      }),
    );
    const checks = await Promise.all(cases.map(({ signature, bytes }) => checkOne(signature, party, bytes)));
    assert.equal(
      checks.map((check) => check.valid),
      cases.map((c) => c.good),
    );
  });

  // The two octets are outside what the signature covers (v4): a verifier that skips them accepts it.
  test(`${name}: a wrong signed-hash-value prefix is refused`, async () => {
    const party = parties[name];
    const check = await checkOne(
      await altered(party, (packet) => {
        packet.signedHashValue = Uint8Array.of(packet.signedHashValue[0] ^ 0xff, packet.signedHashValue[1]);
      }),
      party,
    );
    assert.is(check.valid, false);
    assert.match(check.reason ?? '', /Signed digest did not match/);
  });

  test(`${name}: a signature by another key claiming this one is refused`, async () => {
    const party = parties[name];
    const by = { rsa: parties.ed25519, v6: parties.other6, ed25519: parties.other }[name];
    const check = await checkOne(await signRaw(by, { claim: party }), party);
    assert.is(check.valid, false);
    assert.is(check.primaryFingerprint, party.info.fingerprint);
    assert.match(check.reason ?? '', /^signature does not verify: /);
  });

  test(`${name}: an unknown critical notation is refused, a non-critical one is not`, async () => {
    const party = parties[name];
    const notation = (critical: boolean) => (packet: any) => {
      packet.rawNotations = [{ name: 'policy@example.org', value: new Uint8Array([1]), humanReadable: true, critical }];
    };
    const critical = await checkOne(await signRaw(party, { shape: notation(true) }), party);
    assert.is(critical.valid, false);
    assert.match(critical.reason ?? '', /Unknown critical notation: policy@example.org/);
    assert.is((await checkOne(await signRaw(party, { shape: notation(false) }), party)).valid, true);
  });

  test(`${name}: an unknown critical subpacket is refused`, async () => {
    const party = parties[name];
    const check = await checkOne(
      await signRaw(party, {
        shape: (packet) => {
          // A critical subpacket of an experimental type (105) appended to the hashed area,
          // whose length takes 2 octets in v4 and 4 in v6.
          const write = packet.writeHashedSubPackets.bind(packet);
          const octets = name === 'v6' ? 4 : 2;
          packet.writeHashedSubPackets = () => {
            const area: Uint8Array = write();
            const body = [...area.subarray(octets), 2, 0x80 | 105, 0];
            const length = Array.from({ length: octets }, (_, i) => (body.length >> (8 * (octets - 1 - i))) & 0xff);
            return new Uint8Array([...length, ...body]);
          };
        },
      }),
      party,
    );
    assert.is(check.valid, false);
    assert.match(check.reason ?? '', /Unknown critical signature subpacket type 105/);
  });

  test(`${name}: a document signature naming a revocation key is refused, as OpenPGP.js refuses it`, async () => {
    const party = parties[name];
    const check = await checkOne(
      await signRaw(party, {
        shape: (packet) => {
          packet.revocationKeyClass = 0x80;
          packet.revocationKeyAlgorithm = parties.other.secret.algorithm;
          packet.revocationKeyFingerprint = parties.other.secret.getFingerprintBytes();
        },
      }),
      party,
    );
    assert.is(check.valid, false);
    assert.match(check.reason ?? '', /authorized key/);
  });
}

test('a v6 signature with a salt of the wrong size is refused', async () => {
  const check = await checkOne(
    await altered(parties.v6, (packet) => {
      packet.salt = packet.salt.subarray(1);
    }),
    parties.v6,
  );
  assert.is(check.valid, false);
  assert.match(check.reason ?? '', /salt/);
});

test('checks import no key into WebCrypto: each key is imported once, into Node', async () => {
  const subtle = globalThis.crypto.subtle as unknown as Record<string, unknown>;
  const calls: string[] = [];
  const spied = ['importKey', 'verify'];
  for (const method of spied) {
    const original = (subtle[method] as (...args: unknown[]) => unknown).bind(subtle);
    subtle[method] = (...args: unknown[]) => {
      calls.push(method);
      return original(...args);
    };
  }
  try {
    for (const party of [parties.ed25519, parties.v6, parties.rsa]) {
      const signature = await (await readSigningKey(party.key.privateKey)).sign(data);
      calls.length = 0;
      for (let i = 0; i < 5; i++) assert.is((await checkOne(signature, party)).valid, true);
      assert.equal(calls, [], `${party.info.userIds[0]}: ${calls.join(', ')}`);
    }
  } finally {
    for (const method of spied) delete subtle[method];
  }
});

// The key holder signing with the right curve but naming the other Ed25519 algorithm in the
// packet (v4 EdDSA legacy key → algorithm 27 with R||S; v6 Ed25519 key → algorithm 22 with r, s):
// the maths is the same, so only the algorithm match refuses it, as SignaturePacket.verify does.
test('an Ed25519 signature naming the other Ed25519 algorithm than its key is refused', async () => {
  const legacy = parties.ed25519.secret;
  const v6 = parties.v6.secret;
  const cases = [
    {
      party: parties.ed25519,
      algorithm: openpgp.enums.publicKey.ed25519,
      publicParams: { A: legacy.publicParams.Q.subarray(1) },
    },
    {
      party: parties.v6,
      algorithm: openpgp.enums.publicKey.eddsaLegacy,
      publicParams: { oid: legacy.publicParams.oid, Q: Uint8Array.of(0x40, ...v6.publicParams.A) },
    },
  ];
  for (const { party, algorithm, publicParams } of cases) {
    const signer = Object.create(party.secret, { publicParams: { value: publicParams } });
    const packet = new openpgp.SignaturePacket();
    packet.signatureType = openpgp.enums.signature.binary;
    packet.publicKeyAlgorithm = algorithm;
    packet.hashAlgorithm = openpgp.enums.hash.sha512;
    await packet.sign(signer, literal(data), new Date(), true, openpgp.config);
    const check = await checkOne(armor(packet), party);
    assert.is(check.valid, false, `key ${party.secret.algorithm}, packet ${algorithm}`);
    assert.match(check.reason ?? '', /algorithm .*does not match/);
  }
});

// s and s + n are the same residue mod n: a verifier that reduces mod n would accept both. RSA
// signatures are integers below the modulus (RFC 8017 RSAVP1), as OpenSSL, OpenPGP.js and sqv hold.
test('rsa: a signature value at or above the modulus is refused, though it fits its length', async () => {
  const party = parties.rsa;
  const n = BigInt(`0x${Buffer.from(party.secret.publicParams.n).toString('hex')}`);
  const size = party.secret.publicParams.n.length;
  const signer = await readSigningKey(party.key.privateKey);
  let tried = 0;
  for (let i = 0; tried < 3 && i < 64; i++) {
    const bytes = new TextEncoder().encode(`${i}`);
    const signature = await signer.sign(bytes);
    const [packet] = (await openpgp.readSignature({ armoredSignature: signature })).packets;
    const s = BigInt(`0x${Buffer.from(packet.params.s).toString('hex')}`) + n;
    const hex = s.toString(16);
    if (hex.length > 2 * size) continue;
    tried++;
    packet.params = { s: Uint8Array.from(Buffer.from(hex.padStart(2 * size, '0'), 'hex')) };
    const check = (await verifySignatures(bytes, armor(packet), [party.info]))[0]!;
    assert.is(check.valid, false);
    assert.match(check.reason ?? '', /^signature does not verify: /);
  }
  assert.ok(tried > 0, 'no signature left room for s + n in the modulus length');
});

test.run();
