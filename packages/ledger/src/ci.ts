import type { CiIdentity } from './event.types.js';

type Env = Record<string, string | undefined>;

const drop = (identity: CiIdentity): CiIdentity =>
  Object.fromEntries(Object.entries(identity).filter(([, v]) => v !== undefined && v !== '')) as unknown as CiIdentity;

// Each CI system names its run, actor and commit in its own variables; these are the
// documented ones. A value absent from the environment is left out, never guessed.
const PROVIDERS: { when: (env: Env) => boolean; read: (env: Env) => CiIdentity }[] = [
  {
    when: (env) => env.GITHUB_ACTIONS === 'true',
    read: (env) => ({
      provider: 'github-actions',
      runId: env.GITHUB_RUN_ID && `${env.GITHUB_RUN_ID}${env.GITHUB_RUN_ATTEMPT ? `.${env.GITHUB_RUN_ATTEMPT}` : ''}`,
      actor: env.GITHUB_ACTOR,
      workflow: env.GITHUB_WORKFLOW,
      repository: env.GITHUB_REPOSITORY,
      ref: env.GITHUB_REF,
      sha: env.GITHUB_SHA,
      url:
        env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
          ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
          : undefined,
    }),
  },
  {
    when: (env) => env.GITLAB_CI === 'true',
    read: (env) => ({
      provider: 'gitlab-ci',
      runId: env.CI_PIPELINE_ID && env.CI_JOB_ID ? `${env.CI_PIPELINE_ID}/${env.CI_JOB_ID}` : env.CI_PIPELINE_ID,
      actor: env.GITLAB_USER_LOGIN,
      workflow: env.CI_JOB_NAME,
      repository: env.CI_PROJECT_PATH,
      ref: env.CI_COMMIT_REF_NAME,
      sha: env.CI_COMMIT_SHA,
      url: env.CI_JOB_URL,
    }),
  },
  {
    when: (env) => env.CIRCLECI === 'true',
    read: (env) => ({
      provider: 'circleci',
      runId: env.CIRCLE_BUILD_NUM,
      actor: env.CIRCLE_USERNAME,
      workflow: env.CIRCLE_JOB,
      repository: env.CIRCLE_PROJECT_USERNAME && `${env.CIRCLE_PROJECT_USERNAME}/${env.CIRCLE_PROJECT_REPONAME ?? ''}`,
      ref: env.CIRCLE_BRANCH ?? env.CIRCLE_TAG,
      sha: env.CIRCLE_SHA1,
      url: env.CIRCLE_BUILD_URL,
    }),
  },
  {
    when: (env) => env.BUILDKITE === 'true',
    read: (env) => ({
      provider: 'buildkite',
      runId: env.BUILDKITE_BUILD_NUMBER,
      actor: env.BUILDKITE_BUILD_CREATOR,
      workflow: env.BUILDKITE_PIPELINE_SLUG,
      repository: env.BUILDKITE_REPO,
      ref: env.BUILDKITE_BRANCH,
      sha: env.BUILDKITE_COMMIT,
      url: env.BUILDKITE_BUILD_URL,
    }),
  },
  {
    when: (env) => env.TF_BUILD === 'True',
    read: (env) => ({
      provider: 'azure-pipelines',
      runId: env.BUILD_BUILDID,
      actor: env.BUILD_REQUESTEDFOR,
      workflow: env.BUILD_DEFINITIONNAME,
      repository: env.BUILD_REPOSITORY_NAME,
      ref: env.BUILD_SOURCEBRANCH,
      sha: env.BUILD_SOURCEVERSION,
    }),
  },
  {
    when: (env) => env.BITBUCKET_BUILD_NUMBER !== undefined,
    read: (env) => ({
      provider: 'bitbucket',
      runId: env.BITBUCKET_BUILD_NUMBER,
      actor: env.BITBUCKET_STEP_TRIGGERER_UUID,
      repository: env.BITBUCKET_REPO_FULL_NAME,
      ref: env.BITBUCKET_BRANCH ?? env.BITBUCKET_TAG,
      sha: env.BITBUCKET_COMMIT,
    }),
  },
  {
    when: (env) => env.JENKINS_URL !== undefined && env.BUILD_ID !== undefined,
    read: (env) => ({
      provider: 'jenkins',
      runId: env.BUILD_ID,
      workflow: env.JOB_NAME,
      ref: env.GIT_BRANCH,
      sha: env.GIT_COMMIT,
      url: env.BUILD_URL,
    }),
  },
  { when: (env) => env.CI === 'true' || env.CI === '1', read: () => ({ provider: 'ci' }) },
];

/** The CI run this process belongs to, from its environment; undefined outside CI. */
export function ciIdentity(env: Env): CiIdentity | undefined {
  const provider = PROVIDERS.find((p) => p.when(env));
  return provider ? drop(provider.read(env)) : undefined;
}
