import type { FileComparison, ManifestFile } from './manifest.types.js';
import { byCodeUnit } from './paths.js';

/** What differs between the files a manifest lists and the files found; each list sorted by path. */
export function compareFiles(expected: readonly ManifestFile[], found: readonly ManifestFile[]): FileComparison {
  const foundByPath = new Map(found.map((file) => [file.path, file]));
  const expectedPaths = new Set<string>();
  const result: FileComparison = { changed: [], missing: [], extra: [] };
  for (const want of expected) {
    expectedPaths.add(want.path);
    const got = foundByPath.get(want.path);
    if (!got) result.missing.push(want.path);
    else if (got.integrity !== want.integrity || got.size !== want.size) {
      result.changed.push({
        path: want.path,
        expected: { integrity: want.integrity, size: want.size },
        found: { integrity: got.integrity, size: got.size },
      });
    }
  }
  for (const got of found) if (!expectedPaths.has(got.path)) result.extra.push(got.path);
  result.changed.sort((a, b) => byCodeUnit(a.path, b.path));
  result.missing.sort(byCodeUnit);
  result.extra.sort(byCodeUnit);
  return result;
}
