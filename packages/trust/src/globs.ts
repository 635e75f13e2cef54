import picomatch from 'picomatch';

// A package name as the registry has ever allowed it (old names may hold capitals).
const NAME_CHARS = /^[A-Za-z0-9._~@/-]*$/;
const PACKAGE_NAME = /^(?:@[A-Za-z0-9~-][A-Za-z0-9._~-]*\/)?[A-Za-z0-9~-][A-Za-z0-9._~-]*$/;

/**
 * Why a trust rule's package glob can never do what it says, or undefined: invalid (`"["`, an
 * unclosed bracket that picomatch would otherwise read as a literal), or matching no package
 * name at all (a literal that is no name, characters no name holds). A rule that silently
 * matches nothing leaves the packages it was written for uncovered.
 */
export function packageGlobProblem(glob: string): string | undefined {
  try {
    picomatch.makeRe(glob, { strictBrackets: true });
  } catch (error) {
    return `is not a valid glob: ${(error as Error).message}`;
  }
  const scan = picomatch.scan(glob);
  if (!scan.isGlob)
    return PACKAGE_NAME.test(glob) ? undefined : 'matches no package name (it is no glob, and not a package name)';
  // What is left without glob syntax must be made of name characters (`@acme/ widget*` is not).
  const literal = glob.replace(/[*?{}(),!|+[\]^]/g, '');
  if (!NAME_CHARS.test(literal)) return `matches no package name (it holds characters no name has)`;
  return undefined;
}

// Files Node loads by name, under a folder name no real glob of build output would mention.
const LOADABLE_PROBES = [
  'package.json',
  'index.js',
  'sealpack-probe/index.js',
  'sealpack-probe/x.cjs',
  'sealpack-probe/x.mjs',
  'sealpack-probe/x.node',
  'sealpack-probe/x.json',
];

/**
 * Why an `extraFiles` glob excuses too much, or undefined: one matching a file Node loads under
 * any folder name (`**`, `**\/*.js`, `*`) would let any installed package add code where no
 * seal looks. Globs for build output (`build/**`) or maps (`**\/*.map`) pass.
 */
export function extraFilesGlobProblem(glob: string): string | undefined {
  let matches: (path: string) => boolean;
  try {
    matches = picomatch(glob, { dot: true, strictBrackets: true });
  } catch (error) {
    return `is not a valid glob: ${(error as Error).message}`;
  }
  const loadable = LOADABLE_PROBES.find((probe) => matches(probe));
  return loadable === undefined
    ? undefined
    : `excuses files Node loads anywhere in every package (it matches ${loadable}): name the folders or files an install adds`;
}
