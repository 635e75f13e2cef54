// Writes packages/cli/README.md (the README npm shows for `sealpack`) from the top of the
// repository's README, up to "## This repository", with relative links made absolute so
// they work on npmjs.com. test/publish/packaging.test.ts fails when the two drift apart.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const REPOSITORY = 'https://github.com/sealpack/sealpack/blob/main/';

export function cliReadme(readme) {
  const top = readme.slice(0, readme.indexOf('## This repository')).trimEnd();
  return `${top.replace(/\]\((?!https?:|#)([^)]+)\)/g, (_, path) => `](${REPOSITORY}${path})`)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(join(root, 'packages', 'cli', 'README.md'), cliReadme(readFileSync(join(root, 'README.md'), 'utf8')));
}
