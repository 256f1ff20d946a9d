import type { Knob } from './schema';

/** Where a knob may show up in a synthesized template. */
export interface KnobEffect {
  /** The knob, a field of an environment's settings. */
  readonly knob: Knob;
  /** Why it may differ between environments (shown by the parity report). */
  readonly reason: string;
  /** CloudFormation resource types it may change. @default - any type */
  readonly resourceTypes?: readonly string[];
  /** Property paths it may change, as the parity check flattens them (`Properties.X[0].Y`). */
  readonly paths: readonly RegExp[];
}

/**
 * The knobs that may make environments differ, and where. The parity check fails on any
 * difference between environments that none of these explains.
 */
export const KNOB_EFFECTS: readonly KnobEffect[] = [
  {
    knob: 'removalPolicy',
    reason: 'disposable environments may delete their data with the stack',
    paths: [/^DeletionPolicy$/, /^UpdateReplacePolicy$/],
  },
  {
    knob: 'noncurrentVersionDays',
    reason: 'how long old object versions are kept is a cost knob',
    resourceTypes: ['AWS::S3::Bucket'],
    paths: [
      /^Properties\.LifecycleConfiguration\.Rules\[\d+\]\.NoncurrentVersionExpiration\.NoncurrentDays$/,
    ],
  },
  {
    knob: 'logRetentionDays',
    reason: 'how long logs are kept is a cost and compliance knob',
    resourceTypes: ['AWS::S3::Bucket', 'AWS::Logs::LogGroup'],
    paths: [
      /^Properties\.LifecycleConfiguration\.Rules\[\d+\]\.ExpirationInDays$/,
      /^Properties\.RetentionInDays$/,
    ],
  },
  {
    knob: 'costCentre',
    reason: 'billing tag',
    paths: [/^Properties\.Tags(\[mlenv:cost-centre\]|\.mlenv:cost-centre)$/],
  },
];
