import { readFileSync } from 'node:fs';

/** The tool's name and version, in every JSON document (read once, from the CLI's package.json). */
export const TOOL: { name: string; version: string } = (() => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
})();

/** A --json document's own fields: whether the run passed and its exit code first, then what the command reports. */
export interface JsonReport {
  ok: boolean;
  exitCode: number;
  [field: string]: unknown;
}

/** The one shape of every --json document: the tool's name and version, then the report. */
export function jsonDocument(report: JsonReport): string {
  return JSON.stringify({ tool: TOOL, ...report }, null, 2);
}
