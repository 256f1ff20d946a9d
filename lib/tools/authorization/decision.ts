/** The evaluator's answer to one request, and why. */
export interface Decision {
  readonly allowed: boolean;
  /** iam-simulate's result, or `Error` when it refused the request (bad action, resource or policy). */
  readonly result: 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied' | 'Error';
  /** Which statements allowed or denied the request, or which policy had no statement for it. */
  readonly explanation: string;
  /** The statements that allowed the request (none when it is denied). */
  readonly grants: ReadonlyArray<{ readonly policy: string; readonly statement: string }>;
  /** The policies evaluated, by name. */
  readonly policies: readonly string[];
  /** Context keys the evaluator dropped because they do not apply to the action (a request that names them is wrong). */
  readonly ignoredContextKeys: readonly string[];
}
