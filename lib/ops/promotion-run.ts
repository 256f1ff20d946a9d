import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import type { MlEnvConfig } from '../../config';
import { readEnvironmentDirectory } from './environment-directory';
import { assertPinFileCommitted, type Git, writePin } from './pin-file';
import { promoteModel, type PromotionResult } from './promotion';
import type { PromotionPlan } from './promotion-plan';
import { assumePromotionRole, promotionRoleArn, type RoleCredentials } from './promotion-role';

/** SDK client configuration for a region: the caller's own credentials, or the role's when given. */
export type ClientConfigFor = (region: string, credentials?: RoleCredentials) => Record<string, unknown>;

export interface PromotionRunInput {
  readonly config: MlEnvConfig;
  readonly plan: PromotionPlan;
  readonly packageArn?: string;
  readonly clientConfig: ClientConfigFor;
  /** The target environment's pins file (`deployments/<to>.json`). */
  readonly pinFile: string;
  readonly git?: Git;
  readonly now?: Date;
}

/** A promotion as `mlenv promote` runs it, with the pin it wrote. */
export interface PromotionRun extends PromotionResult {
  readonly roleArn: string;
  readonly pinFile: string;
  /** False when the pins file already pinned this package. */
  readonly pinChanged: boolean;
}

/**
 * Checks the pins file is committed, assumes the target environment's promotion role (every call
 * after that is the role's), promotes the package and writes the pin.
 */
export async function runPromotion(input: PromotionRunInput): Promise<PromotionRun> {
  const { config, plan, clientConfig } = input;
  assertPinFileCommitted(input.pinFile, input.git);
  const roleArn = promotionRoleArn(config.project, plan.to);
  const { caller, credentials } = await assumePromotionRole(
    new STSClient(clientConfig(plan.to.region)),
    roleArn,
  ).catch((error: Error) => {
    throw new Error(
      `cannot assume ${roleArn} (${error.message}): promotions into ${plan.to.name} run as that role; ask for sts:AssumeRole on it in ${plan.to.account}, and deploy ${plan.to.name} if it is missing`,
      { cause: error },
    );
  });
  const target = clientConfig(plan.to.region, credentials);
  const directory = await readEnvironmentDirectory(
    new SSMClient(target),
    config.project,
    plan.to,
    config.models.map((m) => m.name),
  );
  const result = await promoteModel(
    {
      sourceSagemaker: new SageMakerClient(clientConfig(plan.from.region, credentials)),
      sagemaker: new SageMakerClient(target),
      s3: new S3Client(target),
    },
    { plan, directory, packageArn: input.packageArn, promotedBy: caller, now: input.now ?? new Date() },
  );
  const pinChanged = writePin(input.pinFile, plan.model.name, result.pin);
  return { ...result, roleArn, pinFile: input.pinFile, pinChanged };
}
