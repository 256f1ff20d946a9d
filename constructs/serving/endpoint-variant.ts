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

/** Options of an asynchronous variant: instances that scale to none while no request waits. */
export interface AsyncVariantOptions {
  readonly instanceType: MlInstanceType;
  /**
   * Instances the variant starts with (SageMaker creates an endpoint on at least one); it scales in
   * to none once no request waits.
   * @default 1
   */
  readonly initialInstanceCount?: number;
  /** Most instances the variant scales out to. @default 2 */
  readonly maxInstances?: number;
  /**
   * Queued requests per instance (`ApproximateBacklogSizePerInstance`) that target tracking aims for.
   * @default 5
   */
  readonly backlogPerInstance?: number;
  /** Requests each instance works on at once (`ClientConfig.MaxConcurrentInvocationsPerInstance`, 1-1000). @default 4 */
  readonly maxConcurrentInvocationsPerInstance?: number;
}

/** How an endpoint's single production variant runs: on instances, serverless, or asynchronously. */
export abstract class EndpointVariant {
  /** Provisioned instances: supports data capture, blue/green rollout and autoscaling. */
  public static instances(options: InstanceVariantOptions): EndpointVariant {
    return new InstanceVariant(options);
  }

  /** Serverless: pay per request; supports neither data capture nor blue/green rollout. */
  public static serverless(options: ServerlessVariantOptions): EndpointVariant {
    return new ServerlessVariant(options);
  }

  /**
   * Asynchronous inference on instances: requests and answers in S3, success and error
   * notifications, scaling to zero instances while no request waits. Supports data capture and
   * blue/green rollout (SageMaker's deployment guardrails apply to asynchronous endpoints).
   */
  public static asynchronous(options: AsyncVariantOptions): EndpointVariant {
    return new AsyncVariant(options);
  }

  public abstract readonly kind: 'instance' | 'serverless' | 'async';
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

export class AsyncVariant extends EndpointVariant {
  public readonly kind = 'async';
  constructor(public readonly options: AsyncVariantOptions) {
    super();
  }
}
