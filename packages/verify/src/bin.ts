import { lstatSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { isSealError, readRegularFileSync } from '@sealpack/diagnostics';

/** A command shim is a few hundred bytes plus its NODE_PATH line. */
const MAX_SHIM_BYTES = 64 << 10;

// The lines of the POSIX shims pnpm writes (@zkochan/cmd-shim): for a Node program, and for a
// native one. Every line of a `.bin` file must be one of these; anything else is code someone
// put there. `$basedir/…` targets are collected and must lead into an installed package.
const WORD = String.raw`[\w.+-]+`;
const ARGS = String.raw`(?: +[\w=.,:@/+-]+)*`;
const TARGET = String.raw`"\$basedir/([^"$\`\\]+)"`;
const SHIM_LINES: RegExp[] = [
  /^#!\/bin\/sh$/,
  /^basedir=\$\(dirname "\$\(echo "\$0" \| sed -e 's,\\\\,\/,g'\)"\)$/,
  /^case `uname` in$/,
  /^ {4}\*CYGWIN\*(?:\|\*MINGW\*\|\*MSYS\*)?\)(?: basedir=`cygpath -w "\$basedir"`;;)?$/,
  /^ {8}if command -v cygpath > \/dev\/null 2>&1; then$/,
  /^ {12}basedir=`cygpath -w "\$basedir"`$/,
  /^ {8}fi$/,
  /^ {4};;$/,
  /^esac$/,
  /^$/,
  /^if \[ -z "\$NODE_PATH" \]; then$/,
  /^ {2}export NODE_PATH="([^"$`\\]*)"$/,
  /^else$/,
  /^ {2}export NODE_PATH="([^"$`\\]*):\$NODE_PATH"$/,
  /^fi$/,
  new RegExp(String.raw`^if \[ -x "\$basedir/${WORD}" \]; then$`),
  new RegExp(String.raw`^ {2}exec "\$basedir/${WORD}"${ARGS} +${TARGET} "\$@"$`),
  new RegExp(String.raw`^ {2}exec ${WORD}${ARGS} +${TARGET} "\$@"$`),
  new RegExp(String.raw`^${TARGET} +"\$@"$`),
  /^exit \$\?$/,
];

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
  const targets: string[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const [i, line] of lines.entries()) {
    const match = SHIM_LINES.map((re) => re.exec(line)).find(Boolean);
    if (!match) return `is not a command shim: line ${i + 1} is ${JSON.stringify(line.slice(0, 80))}`;
    const [, captured] = match;
    if (captured === undefined) continue;
    if (line.includes('NODE_PATH=')) {
      const outside = captured
        .split(':')
        .filter(Boolean)
        .find((dir) => !isAbsolute(dir) || !dir.split(/[\\/]/).includes('node_modules'));
      if (outside !== undefined) return `sets NODE_PATH to ${outside}, which is no node_modules folder`;
    } else {
      targets.push(captured);
    }
  }
  if (targets.length === 0) return 'is not a command shim: it runs no program of an installed package';
  for (const target of targets) {
    const problem = targetProblem(join(dirname(path), target), root, workspaces);
    if (problem) return problem;
  }
  return undefined;
}
