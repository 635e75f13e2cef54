export type UnsignedMode = 'allow' | 'warn' | 'deny';
export type Channel = 'production' | 'rc' | 'prerelease';
export type RevocationReason = 'compromised' | 'superseded' | 'retired' | 'unspecified';

export interface TrustRule {
  /** picomatch globs matched against the package name (the config accepts a string or an array). */
  packages: string[];
  /** Pinned key names (`NAME` of `.sealpack/keys/NAME.asc`) allowed to sign these packages. */
  keys: string[];
  /** How many distinct keys must sign. */
  threshold: number;
  /** Pinned key names whose approval signatures count (separation of duties). */
  approvers: string[];
  /** How many distinct approvers must approve; never a key that counted toward `threshold`. */
  approvals: number;
  /** True for the rule made when the config has no trust rule: it names signers but does not make seals mandatory. */
  implicit: boolean;
}

export interface PolicyException {
  /** `name@range`, the range a semver range (prereleases included). */
  package: string;
  reason: string;
  risk?: string;
  approvedBy?: string;
  /** The exception applies while both the verification time and the current time are before this instant. */
  expires: Date;
}

export interface Policy {
  /** The config file used, or null when none was found. */
  configPath: string | null;
  /** Absolute path of the keyring folder. */
  keyring: string;
  /** Absolute path of the revocation list. */
  revocations: string;
  /** Trust rules in config order; the first whose globs match a package applies. */
  trust: TrustRule[];
  unsigned: UnsignedMode;
  algorithms: { minRsaBits: number; hashes: string[] };
  /** Per channel, a threshold that raises (never lowers) the matching rule's. */
  channels: Partial<Record<Channel, { threshold: number }>>;
  exceptions: PolicyException[];
  /** `extraFiles` as written (it is also the last `installScripts` entry, for "**"). */
  extraFiles: string[];
  /** What install scripts may do, per package glob, in config order; `extraFiles` last as `**` adds. */
  installScripts: InstallScriptRule[];
  /** `sealpack keys update`: distinct certifying pinned keys (not hard-revoked) a successor needs. */
  rotation: { threshold: number };
  /**
   * The audit ledger folder (absolute). `enabled`: `ledger` is set in the config, or the default
   * folder exists; only then do commands append to it.
   */
  ledger: { path: string; enabled: boolean };
  alerts: Alerts;
}

/** When signing is expected; signing outside it is an anomaly. */
export interface SigningWindow {
  /** `mon`…`sun`. */
  days?: string[];
  /** `HH:MM-HH:MM`; an end before the start spans midnight. */
  hours?: string;
  /** IANA time zone of `hours` and `days` (default UTC). */
  timeZone?: string;
}

export interface Alerts {
  /** Receives a JSON POST for every failed verification and every anomaly. */
  webhook?: string;
  signingWindow?: SigningWindow;
}

export interface InstallScriptRule {
  /** A picomatch glob matched against the package name. */
  packages: string;
  /** Globs of files (relative to the package folder) an install script may add. */
  adds: string[];
  /** Globs of sealed files an install script may rewrite. */
  changes: string[];
}
