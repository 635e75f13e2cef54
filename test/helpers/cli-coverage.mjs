// The built CLI under V8 coverage, for `scripts/test.mjs --coverage`: NODE_V8_COVERAGE would also
// measure every npm, pnpm and Verdaccio process the end-to-end suites start, for nothing.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
process.on('exit', () => {
  // A session on the same thread answers synchronously, so the file is written before exit.
  session.post('Profiler.takePreciseCoverage', (error, coverage) => {
    // A test that gives the CLI an environment of its own leaves the folder out: nothing to write.
    if (error || !process.env.COVERAGE_SEALPACK) return;
    const file = join(process.env.COVERAGE_SEALPACK, `coverage-cli-${process.pid}-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify(coverage));
  });
});
// bin.js runs when it is process.argv[1].
process.argv[1] = cli;
await import(cli);
