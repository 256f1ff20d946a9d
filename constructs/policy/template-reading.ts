// Moved to cfn/ (value-at.ts, undeployed-definitions.ts, state-machine-tasks.ts) and, for the policy
// pack, ./template-resources.ts: kept while lib/cost, lib/pricing and lib/integrations still import
// it here (issue 29).
export * from '../../cfn/value-at';
export * from '../../cfn/undeployed-definitions';
export * from '../../cfn/state-machine-tasks';
