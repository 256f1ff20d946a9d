import type { Size } from 'aws-cdk-lib';
import type { MlInstanceType } from '../training/ml-instance-type';

/** Autoscaling of an instance variant: target tracking on invocations per instance. */
export interface VariantAutoscaling {
  readonly minInstances: number;
  readonly maxInstances: number;
  /** Invocations per instance per minute that the scaling policy aims for. */
  readonly targetInvocationsPerInstance: number;
}

/** Options of a provisioned-instance variant. */
export interface InstanceVariantOptions {
  readonly instanceType: MlInstanceType;
  /** @default 1 */
  readonly initialInstanceCount?: number;
  /** @default - no autoscaling: the instance count stays as deployed */
  readonly autoscaling?: VariantAutoscaling;
}

/** Options of a serverless variant. */
export interface ServerlessVariantOptions {
  /** 1, 2, 3, 4, 5 or 6 GiB. */
  readonly memorySize: Size;
  /** Concurrent invocations, 1-200. */
  readonly maxConcurrency: number;
}

/** How an endpoint's single production variant runs: on instances, or serverless. */
export abstract class EndpointVariant {
  /** Provisioned instances: supports data capture, blue/green rollout and autoscaling. */
  public static instances(options: InstanceVariantOptions): EndpointVariant {
    return new InstanceVariant(options);
  }

  /** Serverless: pay per request; supports neither data capture nor blue/green rollout. */
  public static serverless(options: ServerlessVariantOptions): EndpointVariant {
    return new ServerlessVariant(options);
  }

  public abstract readonly kind: 'instance' | 'serverless';
}

export class InstanceVariant extends EndpointVariant {
  public readonly kind = 'instance';
  constructor(public readonly options: InstanceVariantOptions) {
    super();
  }
}

export class ServerlessVariant extends EndpointVariant {
  public readonly kind = 'serverless';
  constructor(public readonly options: ServerlessVariantOptions) {
    super();
  }
}
