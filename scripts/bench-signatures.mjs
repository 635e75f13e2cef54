// Benchmark: the cost of one signature check. For each key type, a ~5 KB manifest signed
// once and checked N times: `verifySignatures` (what sealpack runs: read the packets, check
// them) against OpenPGP.js's own `SignaturePacket.verify` on an already-read packet (what
// sealpack called per check before it kept one imported key per key), same run, interleaved.
// Usage: node scripts/bench-signatures.mjs [N]   (needs the build: npm run build)
import { realpathSync } from 'node:fs';
import { TextEncoder } from 'node:util';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateKey, readPublicKey, readSigningKey, verifySignatures } from '@sealpack/openpgp';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 2000);
// The very OpenPGP.js module @sealpack/openpgp runs.
const openpgpFile = realpathSync(
  join(dirname(createRequire(join(root, 'packages', 'openpgp', 'package.json')).resolve('openpgp')), 'openpgp.mjs'),
);
const openpgp = await import(pathToFileURL(openpgpFile).href);
const config = {
  ...openpgp.config,
  rejectHashAlgorithms: new Set(),
  rejectMessageHashAlgorithms: new Set(),
  rejectPublicKeyAlgorithms: new Set(),
  rejectCurves: new Set(),
  minRSABits: 0,
};

const data = new TextEncoder().encode(
  JSON.stringify({
    files: Array.from({ length: 60 }, (_, i) => ({ path: `lib/file-${i}.js`, integrity: 'sha512-' + 'A'.repeat(86) })),
  }),
);
const literal = new openpgp.LiteralDataPacket();
literal.setBytes(data, openpgp.enums.literal.binary);

const kinds = {
  'ed25519 v4': { name: 'bench' },
  'ed25519 v6': { name: 'bench', v6: true },
  'rsa3072 v4': { name: 'bench', algorithm: 'rsa3072' },
};

// Wall and CPU time (every thread of the process: WebCrypto works on libuv's pool) per check.
async function time(fn) {
  for (let i = 0; i < Math.min(200, runs); i++) await fn(); // warm-up
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let i = 0; i < runs; i++) await fn();
  const used = process.cpuUsage(cpu);
  return { wall: Number(process.hrtime.bigint() - start) / 1e6 / runs, cpu: (used.user + used.system) / 1e3 / runs };
}
const mean = (a, b) => ({ wall: (a.wall + b.wall) / 2, cpu: (a.cpu + b.cpu) / 2 });
const show = ({ wall, cpu }) => `${wall.toFixed(3)} ms wall / ${cpu.toFixed(3)} ms CPU`;

console.log(`node ${process.version}, ${runs} checks each, per check, both sides interleaved in this run`);
for (const [kind, options] of Object.entries(kinds)) {
  const generated = await generateKey(options);
  const info = await readPublicKey(generated.publicKey);
  const signature = await (await readSigningKey(generated.privateKey)).sign(data);
  const [check] = await verifySignatures(data, signature, [info]);
  if (!check?.valid) throw new Error(`${kind}: the benchmark's own signature does not verify: ${check?.reason}`);
  const packet = (await openpgp.readSignature({ armoredSignature: signature })).packets[0];
  const key = (await openpgp.readKey({ armoredKey: generated.publicKey })).keyPacket;
  const viaOpenPgp = () => packet.verify(key, openpgp.enums.signature.binary, literal, null, true, config);
  const viaSealpack = () => verifySignatures(data, signature, [info]);
  // Interleaved halves, so that load from other processes falls on both sides.
  const a1 = await time(viaOpenPgp);
  const b1 = await time(viaSealpack);
  const a2 = await time(viaOpenPgp);
  const b2 = await time(viaSealpack);
  console.log(
    `${kind}: OpenPGP.js SignaturePacket.verify (check only) ${show(mean(a1, a2))} | ` +
      `sealpack verifySignatures (read + check) ${show(mean(b1, b2))}`,
  );
}
