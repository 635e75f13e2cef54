/** One package a lockfile pins, as sealpack checks it against the registry's seal. */
export interface LockedPackage {
  name: string;
  version: string;
  /** The lockfile's ssri integrity for the tarball; absent when the lockfile has none. */
  integrity?: string;
  /** Where it is pinned: `package-lock.json#node_modules/a`, `pnpm-lock.yaml#a@1.0.0`. */
  artifact: string;
}
