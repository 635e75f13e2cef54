/** A key as the ledger names it: fingerprint always, pinned name and algorithm when known. */
export interface LedgerKey {
  fingerprint: string;
  /** The pinned name (`.sealpack/keys/NAME.asc`), else the key's user ID. */
  name?: string;
  /** `ed25519`, `rsa3072`, … as the keyring reports it. */
  algorithm?: string;
}

/** Who ran a command in CI, from the variables the CI system sets (see ci.ts). */
export interface CiIdentity {
  /** `github-actions`, `gitlab-ci`, `circleci`, `jenkins`, `buildkite`, `azure-pipelines`, `bitbucket`, or `ci` for an unnamed one. */
  provider: string;
  runId?: string;
  actor?: string;
  workflow?: string;
  repository?: string;
  ref?: string;
  sha?: string;
  url?: string;
}

export type Outcome = 'ok' | 'fail' | 'error';

/** What a command knows about one thing it did; the CLI's wrapper adds who, when and how long. */
export interface EventFacts {
  outcome: Outcome;
  /** ESEAL_* codes of the errors (and warnings) found. */
  codes?: string[];
  package?: { name: string; version: string; integrity?: string };
  /** The file acted on: a tarball, an installed package folder, a lockfile. */
  artifact?: string;
  keys?: LedgerKey[];
  /** Time spent on this subject, when the command measured it; otherwise the run's time is shared out. */
  durationMs?: number;
}

/** One ledger entry: one line of events.jsonl, one leaf of the Merkle tree. */
export interface LedgerEvent {
  /** Position in the log, from 0: a removed, inserted or reordered entry breaks the sequence. */
  seq: number;
  /** Hex leaf hash of the previous line (null for the first): an edited entry breaks the next one's link. */
  prev: string | null;
  /** ISO 8601, UTC. */
  time: string;
  /** `sign`, `seal`, `approve`, `pack`, `publish`, `verify`, `verify-installed`, `verify-lockfile`. */
  command: string;
  /** Groups the entries one process wrote. */
  run: string;
  outcome: Outcome;
  codes: string[];
  package?: { name: string; version: string; integrity?: string };
  artifact?: string;
  keys: LedgerKey[];
  who: { user?: string; ci?: CiIdentity };
  durationMs: number;
  /** `sealpack@VERSION`. */
  tool: string;
}
