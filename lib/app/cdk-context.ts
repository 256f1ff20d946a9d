// Moved to config/repo-root.ts and config/cdk-json-context.ts: kept while lib/cost, lib/local,
// lib/integrations, bench/ and tests of test/local and test/cost still import them here (issue 29).
export { REPO_ROOT } from '../../config/repo-root';
export { cdkJsonContext } from '../../config/cdk-json-context';
