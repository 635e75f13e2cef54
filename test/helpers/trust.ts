// A hand-made Trust for pure unit tests (coverage, judgement, verdict): the policy loadTrust
// would give with no config file, one explicit rule for @acme/*, and whatever a test overrides.
import { DEFAULT_HASHES, type PinnedKey, type Policy, type Revocation, type Trust } from '@sealpack/trust';

export function makeTrust(policy: Partial<Policy> = {}, options: { keys?: PinnedKey[]; revocations?: Revocation[] } = {}): Trust {
  return {
    policy: {
      configPath: '/repo/.sealpackrc.json',
      keyring: '/repo/.sealpack/keys',
      revocations: '/repo/.sealpack/revocations.json',
      trust: [{ packages: ['@acme/*'], keys: ['alice', 'bob'], threshold: 1, approvers: [], approvals: 0, implicit: false }],
      unsigned: 'warn',
      algorithms: { minRsaBits: 3072, hashes: [...DEFAULT_HASHES] },
      channels: {},
      exceptions: [],
      extraFiles: [],
      installScripts: [],
      rotation: { threshold: 1 },
      ...policy,
    },
    keys: options.keys ?? [],
    revocations: options.revocations ?? [],
    warnings: [],
  };
}
