import type { SealCode } from '@sealpack/diagnostics';
import { REFUSED } from './arguments.js';

/** What a user can do about each code. Only the CLI adds hints; libraries state facts. */
const HINTS: Record<SealCode, string> = {
  ESEAL_UNSIGNED:
    'the package has no seal; ask its publisher to publish with `sealpack publish`, or add a dated exception to your policy',
  ESEAL_BAD_SIGNATURE:
    'the signature does not match the bytes: the manifest or its signature was altered after signing; do not install it',
  ESEAL_UNKNOWN_KEY:
    'the signer is not in your keyring; check the fingerprint with the publisher out of band, then pin it in .sealpack/keys/NAME.asc',
  ESEAL_KEY_REVOKED: 'the key was revoked; ask the publisher for a release signed with their new key',
  ESEAL_KEY_EXPIRED:
    'the signature was made after the key expired; the publisher must extend the key (and you re-pin it) or sign with a current key',
  ESEAL_SIGNATURE_EXPIRED:
    'the signature is outside its own lifetime (past its expiration time, dated before its key was created, or dated in the future: check the clocks of the signer and of this machine); ask the publisher to sign again',
  ESEAL_WEAK_ALGORITHM:
    'the signature uses an algorithm your policy refuses (SHA-1, RSA under 3072 bits); the publisher should re-sign with Ed25519 or RSA-3072+',
  ESEAL_INTEGRITY:
    'the bytes differ from what was signed: the package was altered after signing; reinstall from a trusted source and investigate (if this package\'s own install script rewrites the file, as esbuild\'s does its bin, allow exactly that file: `installScripts: { "NAME": { "changes": ["bin/NAME"] } }`)',
  ESEAL_MISSING_FILE: 'a signed file is missing: the package was altered after signing, or installed incompletely; reinstall it',
  ESEAL_EXTRA_FILE:
    'a file not in the manifest is present; if this package\'s install script writes it, allow it for this package only: `installScripts: { "NAME": { "adds": ["build/**"] } }`',
  ESEAL_IDENTITY: 'the seal belongs to another package or version: a seal was swapped; do not install it',
  ESEAL_KEY_SCOPE:
    'the key is pinned but not trusted for this package; extend the `trust` rule in your policy if that is intended',
  ESEAL_THRESHOLD:
    'more distinct signers are required; ask another trusted maintainer to run `sealpack sign` on the same tarball',
  ESEAL_APPROVAL:
    'separation of duties: ask an approver named in the trust rule (not the key that signed) to run `sealpack approve X.tgz` before the release is published',
  ESEAL_MALFORMED: 'the file is not what it claims to be (corrupt, truncated, or crafted); fetch it again from a trusted source',
  ESEAL_CONFIG: 'fix the configuration, keyring or input named above; see the README for the policy format',
  ESEAL_REGISTRY:
    'nothing was checked: the registry could not be read; check the registry URL, your network and credentials in .npmrc, then run again',
  ESEAL_DOWNGRADE:
    'an earlier version was sealed by a pinned key and this one is not: do not install it; ask the publisher, or add a dated exception if expected',
  ESEAL_LEDGER:
    'the audit ledger was changed after it was written: compare it with a copy kept elsewhere (git history, a CI artifact) and investigate who changed the entry named above',
};

/** An ESEAL_APPROVAL's `found` when verify-installed had no registry seal to take approvals from. */
export const NO_REGISTRY_SEAL = 'no registry seal cached';

const TLS = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS/;
const CONNECT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Hints for one cause of a code (the finding's `found`), where the code's own hint would send the user the wrong way. */
const CAUSE_HINTS: Partial<Record<SealCode, (found: string) => string | undefined>> = {
  ESEAL_REGISTRY: (found) => {
    // A refused upload (publish's `found`): write access, not read access.
    if (found === 'version exists')
      return 'the registry has (or had) this version: a published version is never replaced or reused; bump the version (`npm version patch`, or `changeset version`) and publish again';
    const publish = /^HTTP (\d{3}) on publish$/.exec(found)?.[1];
    if (publish === '401' || publish === '403')
      return 'the registry refused the credentials for an upload: set a token with publish (write) access to this package in .npmrc (`//HOST/:_authToken=${NPM_TOKEN}`; check it with `npm whoami --registry URL`), and on npmjs with 2FA pass --otp or use a token that bypasses it';
    if (publish === '404')
      return 'the registry would not create the package: on npmjs the scope does not exist or is not yours, or the token is not valid for it; check `npm whoami --registry URL` and the `@scope:registry` line in .npmrc';
    if (publish)
      return 'the registry failed the upload: nothing was published; run again (a publish that did land shows as already in the registry)';
    if (/^HTTP 40[13]$/.test(found))
      return 'the registry refused the credentials: set a token with read access for it in .npmrc (`//HOST/:_authToken=${NPM_TOKEN}`, or `npm login --registry URL`)';
    if (found === 'HTTP 404')
      return 'the registry has no such package or version: check `registry` and `@scope:registry` in .npmrc (a private scope needs its own registry) and that the lockfile was made against this registry';
    if (/^HTTP 5\d\d$/.test(found) || found === 'HTTP 429')
      return 'the registry failed or throttled the request: nothing was checked; run again later (`fetch-retries` in .npmrc retries longer)';
    if (CONNECT.has(found))
      return 'could not connect to the registry: is it running, and is the URL in .npmrc right? Behind a proxy, set `https-proxy` in .npmrc';
    if (TLS.test(found))
      return "the registry's TLS certificate is not trusted: give your private CA as `cafile=/path/ca.pem` in .npmrc (never `strict-ssl=false`)";
    return undefined;
  },
  ESEAL_CONFIG: (found) => {
    const refused = REFUSED_HINTS[found];
    if (refused) return refused;
    const script = /^lifecycle script (\S+)$/.exec(found)?.[1];
    if (!script) return undefined;
    return `the package's own \`${script}\` script failed while packing (its output is above; the first error is usually near its top): run \`npm run ${script}\` (or \`pnpm run ${script}\`) in the package folder to see it alone, install what it needs first (devDependencies), or, when the build output is already there, pack without lifecycle scripts with \`--ignore-scripts\``;
  },
  ESEAL_APPROVAL: (found) =>
    found === NO_REGISTRY_SEAL
      ? 'approvals travel in the registry seal, and none is cached for this version: run `sealpack verify-lockfile` (online) first, which checks the registry seals and keeps them for verify-installed; if it still fails there, the release lacks its approval'
      : undefined,
  ESEAL_DOWNGRADE: (found) =>
    found === 'stripped'
      ? 'the registry publishes a seal for this version but the installed copy has none: the seal was removed on this machine or by a mirror; reinstall it (`npm ci`) from the registry and investigate'
      : undefined,
};

/** Arguments refused before the command line is parsed (arguments.ts's REFUSED). */
const REFUSED_HINTS: Record<string, string> = {
  [REFUSED.armored]:
    'give the private key as a file (`--key FILE`), in the environment (`SEALPACK_KEY`, from a CI secret), or through a signer (`--signer gpg[:KEYID]` or `--signer exec:COMMAND`); if the command line was logged or shared, treat the key as exposed and rotate it (`sealpack keys rotate`)',
  [REFUSED.multiline]:
    "a file's contents belong in a file: give its path (`--key FILE`, `--signer-key FILE`); a signer command of several lines belongs in a script (`--signer exec:/path/to/script`)",
  [REFUSED.cluster]:
    'give a value that starts with "-" with "=" (`--tag=-x`), a file whose name starts with "-" as ./NAME, and each short flag on its own (`-r -h`)',
  [REFUSED.usage]: 'run `sealpack --help` (or `sealpack COMMAND --help`) for the commands and their options',
};

/** What a user can do about a finding or error: by its cause (`found`) where one is known, else by its code. */
export function hintFor(code: SealCode, found?: string): string {
  return (found === undefined ? undefined : CAUSE_HINTS[code]?.(found)) ?? HINTS[code];
}
