// Moved to cfn/deterministic-tar.ts: kept while lib/local still imports it here (issue 29).
export * from '../../cfn/deterministic-tar';
