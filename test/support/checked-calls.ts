import type { AuthorizationModel, Decision, RunTimeCall } from '../../lib/tools/authorization';

/** A run-time call and what the evaluator decided of it. */
export interface Checked {
  readonly call: RunTimeCall;
  readonly decision: Decision;
}

/** Each call with the evaluator's decision. */
export const checkAll = (authz: AuthorizationModel, calls: readonly RunTimeCall[]): Promise<Checked[]> =>
  Promise.all(calls.map(async (call) => ({ call, decision: await authz.check(call) })));

/** Allowed, by a request the evaluator fully understood (no context key it had to drop). */
export const cleanlyAllowed = (c: Checked) =>
  c.decision.allowed && c.decision.ignoredContextKeys.length === 0;

/** Denied, by a request the evaluator accepted (a refused request proves nothing). */
export const cleanlyDenied = (c: Checked) => !c.decision.allowed && c.decision.result !== 'Error';

/** A check as a reader of a failure wants it: where, who, what, and the evaluator's reason. */
export const describeChecked = ({ call, decision }: Checked) =>
  `${call.origin} | ${call.principal} | ${call.action} | ${call.resource} | ${decision.result}: ${decision.explanation}`;
