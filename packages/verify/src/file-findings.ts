// The file-comparison step every subject source ends with: what differs between the files a
// manifest lists and what a tarball or an installed folder holds, as findings worded once.
import type { Finding } from '@sealpack/diagnostics';
import type { FileComparison } from '@sealpack/manifest';

/** What differs: `missing` with the digest the manifest lists, when the caller has it at hand. */
export interface FileDiff {
  changed: FileComparison['changed'];
  missing: { path: string; integrity?: string }[];
  extra: string[];
}

/** How a subject source says where the files are, and the policy rule that could have allowed a change. */
export interface FileWording {
  missing: string;
  extra: string;
  /** The rule named on changed and extra files (`installScripts` for an installed tree). */
  rule?: string;
}

export const TARBALL_FILES: FileWording = {
  missing: 'is in the manifest but not in the package',
  extra: 'is in the package but not in the manifest',
};

export const INSTALLED_FILES: FileWording = {
  missing: 'is in the manifest but not installed',
  extra: 'is installed but not in the manifest',
  rule: 'installScripts',
};

/** One finding per changed (ESEAL_INTEGRITY), missing and extra file. */
export function fileFindings(
  diff: FileDiff,
  subject: Omit<Finding, 'code' | 'severity' | 'message'>,
  wording: FileWording,
): Finding[] {
  const label = `${subject.package}@${subject.version}`;
  const rule = wording.rule === undefined ? {} : { rule: wording.rule };
  return [
    ...diff.changed.map(({ path, expected, found }): Finding => ({
      code: 'ESEAL_INTEGRITY',
      severity: 'error',
      message: `${label}: ${path} differs from the manifest: expected ${expected.integrity} (${expected.size} bytes), found ${found.integrity} (${found.size} bytes)`,
      ...subject,
      file: path,
      ...rule,
      expected: expected.integrity,
      found: found.integrity,
    })),
    ...diff.missing.map(({ path, integrity }): Finding => ({
      code: 'ESEAL_MISSING_FILE',
      severity: 'error',
      message: `${label}: ${path} ${wording.missing}`,
      ...subject,
      file: path,
      ...(integrity === undefined ? {} : { expected: integrity }),
    })),
    ...diff.extra.map((path): Finding => ({
      code: 'ESEAL_EXTRA_FILE',
      severity: 'error',
      message: `${label}: ${path} ${wording.extra}`,
      ...subject,
      file: path,
      ...rule,
    })),
  ];
}
