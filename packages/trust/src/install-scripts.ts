import picomatch from 'picomatch';
import type { Trust } from './trust.types.js';

/** What the install scripts of one package may have done to its folder (policy `installScripts`). */
export interface InstallAllowance {
  /** A file not in the manifest that the package's install script may have created. */
  adds(path: string): boolean;
  /** A sealed file the package's install script may have rewritten. */
  changes(path: string): boolean;
  /** The rule that allowed `path`, for findings and reports: `installScripts["esbuild"].changes`. */
  ruleFor(path: string, field: 'adds' | 'changes'): string | undefined;
}

const NOTHING = () => false;

/**
 * The allowance of the package `name`: the union of every `installScripts` entry whose package
 * glob matches the name (`extraFiles` is the entry for "**"). File globs match dotfiles too.
 * Another package's allowance never applies: esbuild may rewrite `bin/esbuild`, nobody else may.
 */
export function installAllowance(trust: Pick<Trust, 'policy'>, name: string): InstallAllowance {
  const rules = trust.policy.installScripts.filter((rule) => picomatch.isMatch(name, rule.packages));
  const matcherOf = (field: 'adds' | 'changes') => {
    const entries = rules
      .filter((rule) => rule[field].length > 0)
      .map((rule) => ({
        label: `installScripts[${JSON.stringify(rule.packages)}].${field}`,
        match: picomatch(rule[field], { dot: true }),
      }));
    return {
      test: entries.length === 0 ? NOTHING : (path: string) => entries.some((e) => e.match(path)),
      rule: (path: string) => entries.find((e) => e.match(path))?.label,
    };
  };
  const adds = matcherOf('adds');
  const changes = matcherOf('changes');
  return {
    adds: adds.test,
    changes: changes.test,
    ruleFor: (path, field) => (field === 'adds' ? adds : changes).rule(path),
  };
}
