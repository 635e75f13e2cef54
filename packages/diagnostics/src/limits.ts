// Size bounds for every file sealpack reads (issue 13: every input has a size and time bound).
// Each is far above what a real package or project holds, and far below what would exhaust
// memory: a file past its bound is refused with a coded error naming it, never half-read.

/** A manifest lists one short line per file: 64 MiB is several hundred thousand files. */
export const MAX_MANIFEST_BYTES = 64 << 20;
/** An armored `.asc`: a few hundred bytes per signature packet. */
export const MAX_SIGNATURE_BYTES = 4 << 20;
/** An installed or packed package.json. */
export const MAX_PACKAGE_JSON_BYTES = 16 << 20;
/** A lockfile (package-lock.json, pnpm-lock.yaml) of a large monorepo is tens of MB. */
export const MAX_LOCKFILE_BYTES = 256 << 20;
/** A config file or revocation list. */
export const MAX_CONFIG_BYTES = 4 << 20;
/** A package tarball, read whole: the registry's packages are a few MB, the largest a few hundred. */
export const MAX_TARBALL_BYTES = 1 << 30;
