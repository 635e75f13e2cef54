import { isSealpackPublish } from '@sealpack/publish';
import type { Context } from '../main.js';
import { printJson } from '../report.js';

/**
 * `sealpack guard`, in `prepublishOnly`: exit 1 with ESEAL_UNSIGNED unless sealpack runs the
 * publish. Printed here rather than thrown: the hint is for the maintainer, not a consumer.
 */
export async function run(_args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  if (isSealpackPublish(context.env)) return 0;
  // `npm publish --dry-run` uploads nothing: let maintainers preview what npm would ship.
  if (context.env.npm_config_dry_run === 'true') return 0;
  const {
    npm_package_name: name,
    npm_package_version: version,
    npm_lifecycle_event: event,
    npm_config_user_agent: agent,
  } = context.env;
  const label = name ? `${name}@${version ?? '?'}` : 'this package';
  const client = agent?.split(' ')[0] ?? 'the package manager';
  // On stderr, unlike a report: the guard speaks from inside npm's prepublishOnly, and the tools
  // around npm show only its stderr when a publish fails (changesets' `changeset publish` does).
  const message = `${label}: refusing an unsealed publish: expected \`sealpack publish\`, found a plain publish by ${client}${event ? ` (${event})` : ''}`;
  const hint =
    'publish with `sealpack publish` (a monorepo: `sealpack publish -r` instead of `changeset publish`); it packs, seals, signs and publishes';
  context.err(`error ESEAL_UNSIGNED: ${message}`);
  context.err(`hint: ${hint}`);
  if (options.json === true) printJson(context, { ok: false, exitCode: 1, error: { code: 'ESEAL_UNSIGNED', message, hint } });
  return 1;
}
