// Sets the workspace up on a machine with only Node and npm: pnpm comes through npm
// (corepack's download is refused by the registry here), then install and build (unless --no-build).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const PNPM_VERSION = '10.34.9';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });

const localPnpm = join(root, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');
const pnpm = existsSync(localPnpm)
  ? (args) => run(process.execPath, [localPnpm, ...args])
  : (args) => run('npx', ['--yes', `pnpm@${PNPM_VERSION}`, ...args]);

pnpm(['install', '--frozen-lockfile=' + (process.env.CI ? 'true' : 'false'), '--reporter=append-only']);
// `npm test` builds after the unit tests, which run from the sources.
if (!process.argv.includes('--no-build')) run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b']);
