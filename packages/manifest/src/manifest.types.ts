/** A digest and a size: `integrity` is an ssri sha512 string, `sha512-<base64>`. */
export interface Integrity {
  integrity: string;
  size: number;
}

/** One regular file of a package, `path` relative to the package root, `/`-separated. */
export interface ManifestFile extends Integrity {
  path: string;
}

/** Optional provenance: the git remote and commit the package was built from. */
export interface ManifestSource {
  repository?: string;
  commit?: string;
}

/** The integrity manifest, format `sealpack/manifest@1` (DESIGN.md, "The manifest"). */
export interface Manifest {
  format: 'sealpack/manifest@1';
  name: string;
  version: string;
  tarball?: Integrity;
  files?: ManifestFile[];
  source?: ManifestSource;
}

/** Input of `buildManifest`: a manifest without its `format`. */
export interface ManifestInput {
  name: string;
  version: string;
  tarball?: Integrity;
  files?: ManifestFile[];
  source?: ManifestSource;
}

/** What one pass over a tarball found. */
export interface TarballContents {
  /** Digest and size of the .tgz bytes exactly as read. */
  tarball: Integrity;
  /** The single top folder every entry is under: `package` as npm packs, or another name (`node v22.20`). */
  root: string;
  /** Every regular file except the embedded seal, sorted by code unit, relative to `root`. */
  files: ManifestFile[];
  /** `package/package.json`: its bytes, and its name and version when it parses. */
  packageJson?: { name?: string; version?: string; bytes: Buffer };
  /** The embedded seal, `package/.sealpack/manifest.json` (+ `.asc`), when present. */
  embedded?: { manifest: Buffer; signature?: string };
}

/** What differs between a manifest's files and the files found. */
export interface FileComparison {
  changed: { path: string; expected: Integrity; found: Integrity }[];
  missing: string[];
  extra: string[];
}
