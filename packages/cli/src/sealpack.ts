#!/usr/bin/env node
// The installed `sealpack` command (package.json "bin"). `--version` is answered here, before the
// command table (cac, main.ts and what they import) loads: a version check should cost about
// what starting Node costs. Every other command line runs bin.ts's runCli.
import { TOOL } from './tool.js';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  // cac's version line, as bin.ts prints it (test/e2e/startup.test.ts compares the two). A reader
  // gone before it is written (`sealpack --version | true`, EPIPE) is no failure and no stack trace.
  process.stdout.on('error', () => {});
  process.stdout.write(`${TOOL.name}/${TOOL.version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  // Not worth setting up for a version line.
  (await import('./compile-cache.js')).enableCompileCache();
  const { runCli } = await import('./bin.js');
  process.exitCode = await runCli(process.argv);
}
