// Moved to cfn/deterministic-tar.ts: kept while lib/integrations and test/local/jobs still import it here (issue 29).
export * from '../../cfn/deterministic-tar';
