import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { SealError } from '@sealpack/diagnostics';
import { writeFileAtomic } from '@sealpack/sign';
import { addGuard, readWorkspace } from '@sealpack/publish';
import { SEARCH_PLACES } from '@sealpack/trust';
import type { Context } from '../main.js';

const SKELETON = { keyring: '.sealpack/keys', revocations: '.sealpack/revocations.json', unsigned: 'warn' };

/** A package whose "scripts" (or "prepublishOnly") is not what npm reads cannot take the guard: refused before anything is written. */
function checkScripts(pkg: { name: string; dir: string; packageJson: Record<string, unknown> }): void {
  const scripts = pkg.packageJson.scripts;
  const file = join(pkg.dir, 'package.json');
  const bad =
    scripts !== undefined && (typeof scripts !== 'object' || scripts === null || Array.isArray(scripts))
      ? `"scripts" to be an object, found ${JSON.stringify(scripts)}`
      : scripts !== undefined &&
          (scripts as Record<string, unknown>).prepublishOnly !== undefined &&
          typeof (scripts as Record<string, unknown>).prepublishOnly !== 'string'
        ? `"scripts.prepublishOnly" to be a string, found ${JSON.stringify((scripts as Record<string, unknown>).prepublishOnly)}`
        : undefined;
  if (bad)
    throw new SealError('ESEAL_CONFIG', `${file}: expected ${bad}; nothing was written`, { artifact: file, package: pkg.name });
}

/**
 * `sealpack init [DIR]`: keyring folder, config skeleton, the guard in every publishable
 * package. Everything is checked before anything is written; files are written atomically. Idempotent.
 */
export async function run(args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  // init --consumer is its own command module (issue 4): a consumer's set-up shares nothing with this one.
  if (options.consumer) return (await import('./init-consumer.js')).run(args, options, context);
  const workspace = await readWorkspace(resolve(context.cwd, String(args[0] ?? '.')));
  const root = workspace.root;
  const show = (path: string) => relative(context.cwd, path) || '.';

  const publishable = workspace.packages.filter((pkg) => !pkg.private);
  for (const pkg of publishable) checkScripts(pkg);
  const keys = join(root, '.sealpack', 'keys');
  const revocations = join(root, '.sealpack', 'revocations.json');
  // Any place the policy is searched for (a sealpack key in package.json aside) means a config exists.
  const config = SEARCH_PLACES.some((name) => name !== 'package.json' && existsSync(join(root, name)))
    ? undefined
    : join(root, 'sealpack.config.json');

  if (!existsSync(keys)) {
    await mkdir(keys, { recursive: true });
    context.out(`created ${show(keys)}/ (pin public keys here as NAME.asc)`);
  }
  if (!existsSync(revocations)) {
    await writeFileAtomic(revocations, '[]\n');
    context.out(`created ${show(revocations)}`);
  }
  if (config) {
    await writeFileAtomic(config, JSON.stringify(SKELETON, null, 2) + '\n');
    context.out(`created ${show(config)}`);
  }
  if (await ignorePrivateKeys(root)) context.out(`added ${PRIVATE_KEYS} to ${show(join(root, '.gitignore'))}`);
  for (const pkg of publishable) {
    if (await addGuard(pkg.dir))
      context.out(`${pkg.name}: added "prepublishOnly": "sealpack guard" to ${show(join(pkg.dir, 'package.json'))}`);
  }
  const single = workspace.tool === 'root' ? workspace.packages[0] : undefined;
  if (single && !single.private && !Array.isArray(single.packageJson.files)) {
    // The package is the repository root: without "files", npm would ship the keyring and config.
    context.logger.warn(
      `${single.name} is the repository root and has no "files": add .sealpack/ and sealpack.config.json to .npmignore, or list what to ship in "files"`,
    );
  }
  context.out(
    'next: `npx --no-install sealpack keygen --name release --email you@example.com` (private key in ~/.sealpack/keys), then copy release.pub.asc to .sealpack/keys/release.asc',
  );
  return 0;
}

const PRIVATE_KEYS = '*.key.asc';

/** Adds `*.key.asc` to the repository's .gitignore (created if needed); false when it is there already. */
async function ignorePrivateKeys(root: string): Promise<boolean> {
  const file = join(root, '.gitignore');
  const current = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  if (current.split(/\r?\n/).some((line) => line.trim() === PRIVATE_KEYS)) return false;
  const separator = current === '' || current.endsWith('\n') ? '' : '\n';
  await writeFileAtomic(
    file,
    `${current}${separator}# private signing keys never enter the repository (sealpack init)\n${PRIVATE_KEYS}\n`,
  );
  return true;
}
