// Runs a GitHub Actions workflow's shell steps locally, in order, the way a runner would:
// `${{ … }}` expressions substituted (secrets, github, runner), the workflow's, job's and
// step's `env`, `bash -eo pipefail`, a step after a failure only when `if: always()`.
// `uses:` steps are the runner's set-up (checkout, setup-node, cache) and are skipped, except
// changesets/action, whose `publish:` command is what it runs.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  if?: string;
  env?: Record<string, unknown>;
  with?: Record<string, unknown>;
}
interface Workflow {
  env?: Record<string, unknown>;
  jobs: Record<string, { env?: Record<string, unknown>; steps: Step[] }>;
}

export interface StepResult {
  name: string;
  command: string;
  status: number | null;
  stdout: string;
  stderr: string;
  skipped: boolean;
}

export interface RunOptions {
  cwd: string;
  /** The runner's environment (PATH, HOME, GITHUB_STEP_SUMMARY…). */
  env: NodeJS.ProcessEnv;
  /** `${{ secrets.NAME }}` values. */
  secrets: Record<string, string>;
  /** Values replacing a step's env (what only a real runner has: an OIDC token for provenance). */
  override?: Record<string, string>;
}

const EXPRESSION = /\$\{\{\s*([^}]+?)\s*\}\}/g;

function substitute(text: string, options: RunOptions): string {
  return text.replace(EXPRESSION, (_, expression: string) => {
    const [scope, name] = expression.split('.');
    if (scope === 'secrets') return options.secrets[name!] ?? '';
    if (scope === 'github' && name === 'workspace') return options.cwd;
    if (scope === 'runner' && name === 'temp') return options.env.RUNNER_TEMP ?? options.cwd;
    throw new Error(`workflow expression not supported by the test runner: ${expression}`);
  });
}

const envOf = (env: Record<string, unknown> | undefined, options: RunOptions) =>
  Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, substitute(String(v), options)]));

/** The shell commands of `job` in `file`, with the step names, as they would run. */
export function readSteps(file: string, job: string): Step[] {
  const workflow = parse(readFileSync(file, 'utf8')) as Workflow;
  const steps = workflow.jobs[job]?.steps;
  if (!steps) throw new Error(`${file}: no job ${job}`);
  return steps.map((step) => ({ ...step, env: { ...workflow.env, ...workflow.jobs[job]!.env, ...step.env } }));
}

export function runWorkflowJob(file: string, job: string, options: RunOptions): StepResult[] {
  const results: StepResult[] = [];
  let failed = false;
  for (const step of readSteps(file, job)) {
    const command = step.run ?? (step.uses?.startsWith('changesets/action@') ? String(step.with?.publish ?? '') : undefined);
    const name = step.name ?? command ?? step.uses ?? '';
    if (command === undefined || command === '' || (failed && step.if !== 'always()')) {
      results.push({ name, command: command ?? '', status: null, stdout: '', stderr: '', skipped: true });
      continue;
    }
    const env = { ...options.env, ...envOf(step.env, options), ...options.override };
    const r = spawnSync('bash', ['-eo', 'pipefail', '-c', substitute(command, options)], {
      cwd: options.cwd,
      env,
      encoding: 'utf8',
      timeout: 180_000,
    });
    results.push({ name, command, status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', skipped: false });
    if (r.status !== 0) failed = true;
  }
  return results;
}
