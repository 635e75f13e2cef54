// The main job end to end, with the real CLI: a maintainer makes a key, packs a package and
// seals it; a consumer pins the public key and verifies; one flipped byte is refused.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'packages', 'cli', 'dist', 'bin.js');
const work = mkdtempSync(join(tmpdir(), 'sealpack-demo-'));

function step(title, cwd, command, args, env = {}) {
  process.stdout.write(
    `\n$ ${[command === process.execPath ? 'sealpack' : command, ...(command === process.execPath ? args.slice(1) : args)].join(' ')}\n`,
  );
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  process.stdout.write(result.stdout + result.stderr);
  process.stdout.write(`(${title}: exit ${result.status})\n`);
  return result.status;
}
const sealpack = (title, cwd, args, env) => step(title, cwd, process.execPath, [cli, ...args], env);

try {
  const maintainer = join(work, 'maintainer');
  const pkg = join(maintainer, 'hello-sealed');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: 'hello-sealed', version: '1.0.0', main: 'index.js', license: 'MIT' }, null, 2) + '\n',
  );
  writeFileSync(join(pkg, 'index.js'), "module.exports = () => 'hello, sealed world';\n");

  sealpack(
    'generate an Ed25519 signing key',
    maintainer,
    ['keygen', '--name', 'release-bot', '--email', 'release@example.com', '--out', 'keys'],
    {
      SEALPACK_PASSPHRASE: 'demo passphrase',
    },
  );
  step('pack with npm', pkg, 'npm', ['pack', '--silent', '--pack-destination', maintainer]);
  const tarball = join(maintainer, 'hello-sealed-1.0.0.tgz');
  sealpack('seal the tarball', maintainer, ['sign', tarball, '--key', 'keys/release-bot.key.asc'], {
    SEALPACK_PASSPHRASE: 'demo passphrase',
  });

  const consumer = join(work, 'consumer');
  mkdirSync(join(consumer, '.sealpack', 'keys'), { recursive: true });
  copyFileSync(join(maintainer, 'keys', 'release-bot.pub.asc'), join(consumer, '.sealpack', 'keys', 'release-bot.asc'));
  for (const suffix of ['', '.asc', '.manifest.json', '.manifest.json.asc']) {
    copyFileSync(tarball + suffix, join(consumer, 'hello-sealed-1.0.0.tgz' + suffix));
  }
  const good = sealpack('consumer verifies against the pinned key', consumer, ['verify', 'hello-sealed-1.0.0.tgz']);

  const bytes = readFileSync(join(consumer, 'hello-sealed-1.0.0.tgz'));
  bytes[Math.floor(bytes.length / 2)] ^= 0x01;
  writeFileSync(join(consumer, 'hello-sealed-1.0.0.tgz'), bytes);
  process.stdout.write('\n# one byte of the tarball flipped\n');
  const bad = sealpack('the altered tarball is refused', consumer, ['verify', 'hello-sealed-1.0.0.tgz']);

  const ok = good === 0 && bad === 1;
  process.stdout.write(`\ndemo ${ok ? 'done: verified, then refused the altered tarball' : 'FAILED: unexpected exit codes'}\n`);
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
