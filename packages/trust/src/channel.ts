import parseVersion from 'semver/functions/parse.js';
import { SealError } from '@sealpack/diagnostics';
import type { Channel } from './policy.types.js';

/**
 * The release channel of a version: a prerelease tag starting with `rc` is `rc`
 * (`1.0.0-rc.1`, `1.0.0-rc1`), any other prerelease is `prerelease`, otherwise `production`.
 * A version that is not semver is ESEAL_MALFORMED.
 */
export function channelOf(version: string): Channel {
  const parsed = parseVersion(version);
  if (parsed === null) throw new SealError('ESEAL_MALFORMED', `${version}: not a semver version`, { version, found: version });
  if (parsed.prerelease.length === 0) return 'production';
  return parsed.prerelease.join('.').startsWith('rc') ? 'rc' : 'prerelease';
}
