import { readFileSync } from 'node:fs';

/** The tool's name and version, in every JSON document (read once, from the CLI's package.json). */
export const TOOL: { name: string; version: string } = (() => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
})();
