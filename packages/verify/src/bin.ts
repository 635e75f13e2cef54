import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { isSealError, readRegularFileSync } from '@sealpack/diagnostics';
import { SHIM_LINES } from './shim-lines.js';

/** A command shim is a few hundred bytes plus its NODE_PATH line. */
const MAX_SHIM_BYTES = 64 << 10;

const TARGETS = [/"\$basedir\/(\.\.\/[^"$`\\]*)"/g, /"\$basedir(?:_abs|_win)?"\/'([^'\\]*)'/g];
const NODE_PATH = /^(\s*export NODE_PATH=)(.*)$/;

const isUnder = (folder: string, path: string) => {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
};

/**
 * Why `target` (a real path) is no place for a `.bin` entry to lead, or undefined: it must be a
 * regular file in an installed package (under a `node_modules` folder of the project, outside
 * any `.bin`), whose seal covers it, or in one of the project's own workspace packages.
 */
function targetProblem(target: string, root: string, workspaces: ReadonlySet<string>): string | undefined {
  let real: string;
  try {
    real = realpathSync.native(target);
  } catch (error) {
    return `leads to ${target}, which cannot be resolved (${(error as NodeJS.ErrnoException).code})`;
  }
  const parts = relative(root, real).split(sep);
  const inPackage = isUnder(root, real) && parts.includes('node_modules') && !parts.includes('.bin');
  const inWorkspace = [...workspaces].some((dir) => isUnder(dir, real));
  if (!inPackage && !inWorkspace) return `leads to ${real}, outside every installed package`;
  if (!lstatSync(real).isFile()) return `leads to ${real}, which is not a regular file`;
  return undefined;
}

/**
 * Checks one entry of a `node_modules/.bin` folder: what `npx NAME` and package scripts run.
 * A link must lead to a file inside an installed package; a file must be a command shim as
 * pnpm writes it, line for line, whose targets lead there too (and whose NODE_PATH names only
 * `node_modules` folders). Returns the problem, or undefined when the entry is sound.
 */
/** The first line of a regular file (its shebang), or undefined: a FIFO or a folder is not opened for reading. */
function readHead(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch {
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const buffer = Buffer.alloc(256);
    return buffer
      .subarray(0, readSync(fd, buffer, 0, buffer.length, 0))
      .toString('utf8')
      .split('\n')[0];
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * The ways a shim names its interpreter, from the shebang of the file it runs (`#!/usr/bin/env
 * node` → node, `#!/bin/sh` → /bin/sh), longest first so `node.exe` is replaced before `node`.
 */
function interpretersOf(text: string, path: string): string[] {
  const code = text
    .split('\n')
    .filter((line) => !NODE_PATH.test(line))
    .join('\n');
  const target = TARGETS.map((re) => new RegExp(re.source).exec(code)?.[1]).find((t) => t !== undefined);
  let program: string | undefined;
  const head = target ? readHead(join(dirname(path), target)) : undefined;
  const shebang = head ? /^#!\s*(\S+)(?:\s+(\S+))?/.exec(head) : null;
  if (shebang) program = shebang[1]!.endsWith('/env') ? shebang[2] : shebang[1];
  const names = [program ?? 'node'];
  return names
    .flatMap((name) => [`"$basedir/${name}.exe"`, `"$basedir/${name}"`, `${name}.exe`, name])
    .map((n) => (n.startsWith('"') ? n : ` ${n} `));
}

/** Why a shim's NODE_PATH value is wrong, or undefined: every folder it adds must be a node_modules folder. */
function nodePathProblem(value: string, binDir: string): string | undefined {
  // pnpm 9–10 append `:$NODE_PATH` inside the quotes, pnpm 11+ as a quoted word of its own.
  const bare = value.endsWith(':"$NODE_PATH"')
    ? value.slice(0, -':"$NODE_PATH"'.length)
    : value.endsWith(':$NODE_PATH"')
      ? `${value.slice(0, -':$NODE_PATH"'.length)}"`
      : value;
  let entries: string[];
  const absolute = /^"([^"$`\\]*)"$/.exec(bare);
  if (absolute) entries = absolute[1]!.split(':').filter(Boolean);
  else if (/^"\$basedir_abs"\/'[^'\\]*'(?::"\$basedir_abs"\/'[^'\\]*')*$/.test(bare))
    entries = [...bare.matchAll(/'([^'\\]*)'/g)].map((m) => join(binDir, m[1]!));
  else return `sets NODE_PATH to ${value.slice(0, 200)}, which is not a list of folders`;
  const outside = entries.find((dir) => !isAbsolute(dir) || !dir.split(/[\\/]/).includes('node_modules'));
  return outside === undefined ? undefined : `sets NODE_PATH to ${outside}, which is no node_modules folder`;
}

/** A shim's code lines with targets, interpreter and NODE_PATH replaced (see SHIM_LINES), and its targets. */
export function shimSkeleton(
  text: string,
  path: string,
): { lines: { number: number; raw: string; code: string }[]; targets: string[] } | { problem: string } {
  const targets: string[] = [];
  const lines = text.split('\n');
  if (lines[0] !== '#!/bin/sh') return { problem: 'is not a command shim: it does not start with #!/bin/sh' };
  const programs = interpretersOf(text, path);
  const code: { number: number; raw: string; code: string }[] = [];
  for (const [i, raw] of lines.entries()) {
    if (i === 0 || /^\s*#/.test(raw)) continue;
    let line = raw;
    const nodePath = NODE_PATH.exec(line);
    if (nodePath) {
      const problem = nodePathProblem(nodePath[2]!, dirname(path));
      if (problem) return { problem };
      line = `${nodePath[1]}<NP>`;
    }
    for (const pattern of TARGETS)
      line = line.replace(pattern, (_, target: string) => {
        targets.push(target);
        return '<T>';
      });
    for (const program of programs) line = line.split(program).join('<P>');
    code.push({ number: i + 1, raw, code: line });
  }
  return { lines: code, targets };
}

export function checkBinEntry(path: string, root: string, workspaces: ReadonlySet<string>): string | undefined {
  const stats = lstatSync(path);
  if (stats.isSymbolicLink()) return targetProblem(path, root, workspaces);
  let text: string;
  try {
    text = readRegularFileSync(path, { maxBytes: MAX_SHIM_BYTES, code: 'ESEAL_EXTRA_FILE', what: 'a command shim' })!.toString(
      'utf8',
    );
  } catch (error) {
    if (isSealError(error)) return error.message.slice(path.length + 2);
    throw error;
  }
  const skeleton = shimSkeleton(text, path);
  if ('problem' in skeleton) return skeleton.problem;
  const unknown = skeleton.lines.find((line) => !SHIM_LINES.has(line.code));
  if (unknown) return `is not a command shim: line ${unknown.number} is ${JSON.stringify(unknown.raw.slice(0, 80))}`;
  const { targets } = skeleton;
  if (targets.length === 0) return 'is not a command shim: it runs no program of an installed package';
  for (const target of targets) {
    const problem = targetProblem(join(dirname(path), target), root, workspaces);
    if (problem) return problem;
  }
  return undefined;
}
