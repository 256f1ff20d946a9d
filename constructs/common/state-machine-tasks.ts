// Moved to cfn/state-machine-tasks.ts: kept while lib/authorization, lib/cost and lib/local still import it here (issue 29).
export * from '../../cfn/state-machine-tasks';
