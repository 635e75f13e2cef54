#!/usr/bin/env node
// The `sealpack` command. Each command's module is imported only when it runs, so
// `sealpack --help` does not load OpenPGP.js.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { cac } from 'cac';
import { enableCompileCache } from './compile-cache.js';
import { SealError } from '@sealpack/diagnostics';
import { checkArguments, REFUSED } from './arguments.js';
import {
  main,
  processContext,
  reportUsageError,
  withContext,
  type CommandLoader,
  type CommandModule,
  type Context,
} from './main.js';
import { TOOL } from './tool.js';

enableCompileCache();

const cli = cac('sealpack');
const load = (name: string): CommandLoader =>
  Object.assign(() => import(`./commands/${name}.js`) as Promise<CommandModule>, { command: name });
// Every command that signs takes the same three options, resolved by options.ts's loadSigner.
type Command = ReturnType<typeof cli.command>;
const signing = (command: Command): Command =>
  command
    .option('--key <file>', 'Armored private key file (or SEALPACK_KEY); passphrase from SEALPACK_PASSPHRASE')
    .option('--signer <signer>', 'gpg, gpg:KEYID or exec:COMMAND (or SEALPACK_SIGNER): sign through gpg-agent or a command')
    .option('--signer-key <file>', "The signer's public key (or SEALPACK_SIGNER_KEY); required for exec:COMMAND");

cli
  .command('keygen', 'Generate a signing key: N.key.asc (private) and N.pub.asc')
  .option('--name <name>', 'Key name (also the user ID name)')
  .option('--email <email>', 'User ID email')
  .option('--algo <algo>', 'ed25519 | rsa3072 | rsa4096', { default: 'ed25519' })
  .option('--v6', 'Generate an RFC 9580 v6 key (GnuPG before 2.5 cannot check it)')
  .option('--expires <duration>', 'Expiry such as 2y, 18m, 90d, or never', { default: '2y' })
  .option('--out <dir>', 'Output folder (default: ~/.sealpack/keys, outside any repository)')
  .option('--json', 'Print one JSON document on stdout')
  .action(main(load('keygen')));

signing(cli.command('sign [...tarballs]', 'Seal tarballs: X.tgz.asc, X.tgz.manifest.json, X.tgz.manifest.json.asc'))
  .option('--json', 'Print one JSON document on stdout')
  .action(main(load('sign')));

signing(cli.command('seal [...tarballs]', 'Seal tarballs as they are: embedded seal appended, detached seal written'))
  .option('--out <dir>', 'Where the sealed tarballs and their seals go (default: beside each, replacing it)')
  .option('--json', 'Print one JSON document on stdout')
  .action(main(load('seal')));

cli
  .command('verify [...tarballs]', 'Verify tarballs against their seals, the pinned keyring, revocations and policy')
  .option('--json', 'Print one JSON document on stdout')
  .option('--config <file>', 'Policy file (default: searched from the working directory up)')
  .option('--at <date>', 'Verify as of this moment (ISO date), e.g. for an old commit')
  .action(main(load('verify')));

signing(cli.command('pack [dir]', "Pack with the project's package manager, embed the seal, sign; write the detached seal"))
  .option('--out <dir>', 'Where the tarball and its seal go', { default: '.' })
  .option('--ignore-scripts', 'Run no lifecycle scripts while packing (prepack, prepare, postpack)')
  .option('--json', 'Print one JSON document on stdout')
  .action(main(load('pack')));

signing(cli.command('publish [target]', 'Pack, seal, sign and publish (DIR or a sealed X.tgz); -r for every workspace package'))
  .option('-r, --recursive', 'Every publishable workspace package not yet in its registry, dependencies first')
  .option('--tag <tag>', 'Dist-tag')
  .option('--access <access>', 'public | restricted')
  .option('--registry <url>', 'Registry URL')
  .option('--otp <code>', 'One-time password')
  .option('--dry-run', 'Do everything but the upload')
  .option('--no-git-tag', 'With -r: do not create name@version git tags')
  .option('--ignore-scripts', 'Run no lifecycle scripts while packing (prepack, prepare, postpack)')
  .option('--provenance', 'Also attach npm provenance (from GitHub Actions or GitLab CI); default: npm config provenance')
  .option('--json', 'Print one JSON document on stdout')
  .action(main(load('publish')));

cli
  .command('verify-installed [dir]', 'Verify the installed tree (npm, pnpm, yarn) against embedded seals')
  .option('--json', 'Print one JSON document on stdout')
  .option('--config <file>', 'Policy file')
  .option('--at <date>', 'Verify as of this moment (ISO date)')
  .action(main(load('verify-installed')));

cli
  .command('verify-lockfile [dir]', 'Verify lockfile integrities against registry seals, before install')
  .option('--all', 'Every package of the lockfile, not only those policy covers')
  .option('--json', 'Print one JSON document on stdout')
  .option('--config <file>', 'Policy file')
  .option('--at <date>', 'Verify as of this moment (ISO date)')
  .option('--registry <url>', 'Registry URL')
  .option('--no-cache', 'Ask the registry even for seals already cached')
  .action(main(load('verify-lockfile')));

signing(cli.command('approve [...tarballs]', 'Approve sealed tarballs (separation of duties): detached and registry seals'))
  .option('--json', 'Print one JSON document on stdout')
  .action(main(load('approve')));

signing(cli.command('keys <action> [...files]', 'Key lifecycle: rotate | update FILE… | list | resign X.tgz…'))
  .option('--from <file>', 'rotate: the old private key (or --signer gpg[:KEYID]); it certifies its successor and is revoked')
  .option('--name <name>', 'rotate: the new key name; update: the name to pin the new key as')
  .option('--email <email>', "rotate: the new key's email (default: the old key's)")
  .option('--algo <algo>', 'rotate: ed25519 | rsa3072 | rsa4096')
  .option('--v6', 'rotate: an RFC 9580 v6 key')
  .option('--expires <duration>', 'rotate: expiry such as 2y, 18m, 90d, or never')
  .option('--out <dir>', 'rotate: output folder')
  .option('--days <n>', 'list: flag keys expiring within this many days (default 30)')
  .option('--dry-run', 'update: print the change, write nothing')
  .option('--config <file>', 'Policy file')
  .option('--json', 'Print one JSON document on stdout')
  .action(main(load('keys')));

cli
  .command('guard', 'For prepublishOnly: refuse a publish that does not go through sealpack')
  .option('--json', 'Print one JSON document on stdout')
  .action(main(load('guard')));

cli
  .command('init [dir]', 'Set a repository up: keyring folder, config skeleton, the guard (or --consumer hooks)')
  .option('--consumer', 'Set up a consuming repository: pin a key, write the install hooks')
  .option('--key <file>', 'With --consumer: a public key to pin')
  .option('--json', 'Print one JSON document on stdout')
  .action(main(load('init')));

signing(cli.command('doctor [dir]', 'Check a repository for CI: guards, signing key and expiry, keyring, registry login'))
  .option('--days <n>', 'Warn about a signing key expiring within this many days', { default: 30 })
  .option('--offline', 'Do not ask the registries whether our credentials are accepted')
  .option('--json', 'Print one JSON document on stdout')
  .action(main(load('doctor')));

signing(
  cli.command(
    'audit <action>',
    'The audit ledger: verify (tamper check), report (metrics, anomalies), checkpoint (sign its tree)',
  ),
)
  .option('--checkpoint <file>', 'verify: an older checkpoint kept elsewhere; the ledger must extend it')
  .option('--json', 'verify, report: print one JSON document on stdout')
  .option('--markdown', 'report: GitHub-flavoured Markdown on stdout (for $GITHUB_STEP_SUMMARY)')
  .option('--html <file>', 'report: write one self-contained HTML page with charts')
  .option('--origin <name>', "checkpoint: the log's name on the checkpoint's first line", { default: 'sealpack ledger' })
  .option('--config <file>', 'Policy file')
  .action(main(load('audit')));

cli.help();
cli.version(TOOL.version);

// The options that take a value (`--key <file>`): a flag right after one is refused (arguments.ts).
const VALUE_FLAGS = new Set(
  [...cli.globalCommand.options, ...cli.commands.flatMap((c) => c.options)]
    .filter((o) => o.required)
    .flatMap((o) => o.rawName.split(/[\s,]+/).filter((n) => n.startsWith('-'))),
);

/** Runs one command line (`argv` as in process.argv) and returns its exit code. */
export async function runCli(argv: string[], context: Context = processContext()): Promise<number> {
  const args = argv.slice(2);
  try {
    checkArguments(args, VALUE_FLAGS);
    // cac keeps the last matched command across parses: a second in-process run must not inherit it.
    cli.unsetMatchedCommand();
    cli.parse(argv, { run: false });
    if (!cli.matchedCommand && !cli.options.help && !cli.options.version) {
      if (cli.args.length) throw new SealError('ESEAL_CONFIG', `unknown command: ${cli.args[0]}`, { found: REFUSED.usage });
      cli.outputHelp();
      return 0;
    }
    return (await withContext(context, async () => (await cli.runMatchedCommand()) as number | undefined)) ?? 0;
  } catch (error) {
    // cac throws for unknown options and missing values: a usage error, exit 2.
    return reportUsageError(error, context, args.includes('--json'));
  }
}

// Run when executed (also through node_modules/.bin's link), not when a test imports runCli.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  process.exitCode = await runCli(process.argv);
}
