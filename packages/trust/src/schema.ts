// The JSON Schema of the config file. packages/trust/schema.json is this object written out
// (scripts/write-schema.mjs) so editors can complete and check config files; a test keeps them equal.

/** Hash names as @sealpack/openpgp reports them. SHA-1 can be allowed explicitly (with a warning); MD5 and RIPEMD-160 never. */
export const HASH_NAMES = ['sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'sha3-256', 'sha3-512'] as const;

const threshold = {
  type: 'integer',
  minimum: 1,
  description: 'How many distinct pinned keys must sign.',
};

const fileGlobs = { type: 'array', items: { type: 'string', minLength: 1 } };

const deepFreeze = <T>(value: T): T => {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
};

/** The JSON Schema (draft-07) of a sealpack config file. */
export const policySchema: Record<string, unknown> = deepFreeze({
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'sealpack configuration',
  description: 'Which packages must be sealed, by which pinned keys, how many signers, which algorithms.',
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string', description: 'A reference to this schema, for editors.' },
    keyring: {
      type: 'string',
      minLength: 1,
      description: 'Folder of pinned public keys (NAME.asc), relative to the config file. Default: .sealpack/keys',
    },
    revocations: {
      type: 'string',
      minLength: 1,
      description: 'The revocation list (JSON), relative to the config file. Default: .sealpack/revocations.json',
    },
    trust: {
      type: 'array',
      description: 'Rules in order; the first whose globs match a package name applies and makes its seal mandatory.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['packages', 'keys'],
        properties: {
          packages: {
            type: ['string', 'array'],
            minLength: 1,
            minItems: 1,
            items: { type: 'string', minLength: 1 },
            description: 'A glob or globs (picomatch) matched against the package name, e.g. "@acme/*".',
          },
          keys: {
            type: ['string', 'array'],
            minLength: 1,
            minItems: 1,
            uniqueItems: true,
            items: { type: 'string', minLength: 1 },
            description: 'Pinned key names allowed to sign these packages.',
          },
          threshold: { ...threshold, default: 1 },
          approvers: {
            type: ['string', 'array'],
            minLength: 1,
            minItems: 1,
            uniqueItems: true,
            items: { type: 'string', minLength: 1 },
            description: 'Pinned key names whose approval signatures (`sealpack approve`) count for these packages.',
          },
          approvals: {
            type: 'integer',
            minimum: 0,
            default: 0,
            description:
              'How many distinct approvers must approve, none of them a key that counted as a signer (separation of duties).',
          },
        },
      },
    },
    unsigned: {
      enum: ['allow', 'warn', 'deny'],
      default: 'warn',
      description: 'Unsealed packages that no trust rule requires to be sealed: allow, warn or deny.',
    },
    algorithms: {
      type: 'object',
      additionalProperties: false,
      properties: {
        minRsaBits: { type: 'integer', minimum: 2048, default: 3072, description: 'Smallest RSA key accepted.' },
        hashes: {
          type: 'array',
          minItems: 1,
          uniqueItems: true,
          items: { enum: [...HASH_NAMES] },
          default: ['sha256', 'sha384', 'sha512'],
          description: 'Signature hashes accepted.',
        },
      },
    },
    channels: {
      type: 'object',
      additionalProperties: false,
      description: 'Thresholds by release channel (from the version): a channel can raise a rule threshold, never lower it.',
      properties: Object.fromEntries(
        ['production', 'rc', 'prerelease'].map((channel) => [
          channel,
          { type: 'object', additionalProperties: false, required: ['threshold'], properties: { threshold } },
        ]),
      ),
    },
    exceptions: {
      type: 'array',
      description: 'Temporary, reviewed waivers: failures of matching packages become warnings until expires.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['package', 'reason'],
        properties: {
          package: { type: 'string', minLength: 3, description: 'name@range, e.g. "legacy@1.x".' },
          reason: { type: 'string', minLength: 1 },
          risk: { type: 'string' },
          approvedBy: { type: 'string' },
          expires: {
            type: 'string',
            pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2}))?$',
            description: 'ISO 8601 date (UTC midnight) or date-time; without it the exception does not apply.',
          },
        },
      },
    },
    installScripts: {
      type: 'object',
      description:
        'What install scripts may do, per package: keys are package-name globs ("esbuild", "@acme/*"), values list file globs a package may add (adds) and sealed files it may change (changes).',
      propertyNames: { minLength: 1 },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          adds: { ...fileGlobs, description: 'Files an install script may create (not in the manifest), e.g. "build/**".' },
          changes: { ...fileGlobs, description: 'Sealed files an install script may rewrite, e.g. "bin/esbuild".' },
        },
      },
    },
    rotation: {
      type: 'object',
      additionalProperties: false,
      description: 'Key rotation (`sealpack keys update`): how a successor key gets pinned.',
      properties: {
        threshold: {
          ...threshold,
          default: 1,
          description: 'How many distinct pinned keys, not hard-revoked, must have certified a new key before it is pinned.',
        },
      },
    },
    extraFiles: {
      ...fileGlobs,
      description: 'Files any installed package may have beyond its manifest: the same as installScripts { "**": { adds } }.',
    },
    ledger: {
      type: 'string',
      minLength: 1,
      description:
        'Audit ledger folder, relative to the config file: sign, seal, approve, publish and verify runs append to it. Default: .sealpack/ledger, when that folder exists',
    },
    alerts: {
      type: 'object',
      additionalProperties: false,
      properties: {
        webhook: {
          type: 'string',
          minLength: 1,
          description: 'An http(s) URL that receives a JSON POST for every failed verification and every anomaly.',
        },
        signingWindow: {
          type: 'object',
          additionalProperties: false,
          description: 'When signing is expected; signing outside it is an anomaly.',
          properties: {
            days: { type: 'array', uniqueItems: true, items: { enum: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] } },
            hours: { type: 'string', description: 'HH:MM-HH:MM, e.g. 08:00-18:00 (an end before the start spans midnight).' },
            timeZone: { type: 'string', description: 'IANA time zone of days and hours, e.g. Europe/Berlin. Default: UTC' },
          },
        },
      },
    },
  },
});

/** The revocation list file (internal: validated here, not published). */
export const revocationsSchema: Record<string, unknown> = deepFreeze({
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['fingerprint', 'date'],
    properties: {
      fingerprint: { type: 'string' },
      reason: { enum: ['compromised', 'superseded', 'retired', 'unspecified'] },
      date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2}))?$' },
      comment: { type: 'string' },
    },
  },
});
