/** Condition keys and their values as a request carries them (`aws:SourceArn`, `kms:ViaService`, ...). */
export type RequestContext = Readonly<Record<string, string | readonly string[]>>;

/** One AWS request: who asks to do what to which resource, in which circumstances. */
export interface AuthorizationRequest {
  /**
   * A role ARN, an account root (`arn:aws:iam::<account>:root`, standing for an administrator of
   * that account), or a service principal (`events.amazonaws.com`) with `aws:SourceArn` and
   * `aws:SourceAccount` in `context` as the service sends them.
   */
  readonly principal: string;
  /** `service:Action`, as IAM names it. */
  readonly action: string;
  /** The ARN of the resource addressed, or `*` for actions without resource-level permissions. */
  readonly resource: string;
  readonly context?: RequestContext;
  /** The account that owns `resource` when its ARN does not say (`*`, S3). @default - found from the ARN or the assembly */
  readonly resourceAccount?: string;
  /**
   * The ARN of the VPC endpoint the request goes through (a caller in a VPC reaching a service by
   * its private DNS name): its policy must allow the request too.
   * @default - none: the request reaches the service's public endpoint
   */
  readonly vpcEndpoint?: string;
  /**
   * The principal, a role that is not the assembly's, stands for an administrator of its account:
   * its own policies allow everything, so only the resource's side can stop it (as an account root
   * does, but with the role's ARN in `aws:PrincipalArn`).
   * @default false
   */
  readonly administrator?: boolean;
}

/** A request the platform makes at run time, and where in the templates it comes from. */
export interface RunTimeCall extends AuthorizationRequest {
  /** The stage whose templates make the call (`Staging`). */
  readonly stage: string;
  /**
   * What in the template makes the call: the resource's construct path below its stage, then
   * what of it (`Training/ChurnPipeline/StateMachine state Baseline`).
   */
  readonly origin: string;
  /** The construct path of the resource that makes the call (`Training/ChurnPipeline/StateMachine`). */
  readonly originPath: string;
}

/** The origin of a call made by `originPath`, for `detail` (a state, a target, a job's channel). */
export function origin(originPath: string, detail?: string): Pick<RunTimeCall, 'origin' | 'originPath'> {
  return { originPath, origin: detail ? `${originPath} ${detail}` : originPath };
}

/** Calls derived from a resource, and what of it could not be turned into calls (each a reason). */
export interface DerivedCalls {
  readonly calls: RunTimeCall[];
  readonly problems: string[];
}
