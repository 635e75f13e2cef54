// What the CLI (and scripts/bench-publish.mjs: sealTarballBytes) uses; the rest is internal,
// tested through the built files (test/publish imports packages/publish/dist/*.js).
export { packSealed, sealTarball, sealTarballBytes } from './pack.js';
export type { PackOptions, PackedTarball, SealOptions, SealedTarball } from './pack.js';
export { publishSealedTarball, publishDirectory } from './publish.js';
export type { PublishOptions, PublishResult } from './publish.js';
export type { PackageManager, PackageManagerName } from './package-manager.js';
export { checkSignerNotRevoked } from './sealed.js';
export { publishWorkspace } from './release.js';
export type { ReleaseOptions, ReleaseOutcome, ReleaseResult, OutcomeStatus } from './release.js';
export { readWorkspace } from './workspace.js';
export type { Workspace, WorkspacePackage } from './workspace.js';
export { isSealpackPublish, hasGuard, addGuard } from './guard.js';
