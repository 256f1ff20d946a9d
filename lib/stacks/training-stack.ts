import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { join } from 'node:path';
import type { EnvironmentConfig, ModelConfig } from '../../config';
import { SourceCode } from '../../constructs';
import { pascalCase } from '../../constructs/common/pascal-case';
import { REPO_ROOT } from '../app/cdk-context';
import { removalPolicyOf } from './storage-stack';

/** The workload's code: the files of ml/ that run in SageMaker (not its tests or tools). */
export const WORKLOAD_SOURCE = SourceCode.fromDirectory(join(REPO_ROOT, 'ml'), {
  files: ['common.py', 'preprocess.py', 'train.py', 'evaluate.py', 'inference.py'],
});

/** The metric lines ml/train.py prints (see its METRIC_REGEXES), captured into CloudWatch. */
export const TRAINING_METRICS = ['train:auc', 'validation:auc', 'validation:accuracy'].map((name) => ({
  name,
  regex: `metric ${name}=([0-9.]+)`,
}));

export interface TrainingStackProps extends StackProps {
  readonly environment: EnvironmentConfig;
  readonly models: readonly ModelConfig[];
  readonly operationsKey: kms.IKey;
}

/**
 * The training pipelines' execution logs, one retained log group per model. The pipelines
 * themselves are in each model's stack (`ModelStack`); their log groups stay here, where they
 * have always been, so that history is never lost when a pipeline's resources change.
 */
export class TrainingStack extends Stack {
  public readonly logGroups: Record<string, logs.LogGroup> = {};

  constructor(scope: Construct, id: string, props: TrainingStackProps) {
    super(scope, id, props);
    const { environment } = props;
    for (const model of props.models) {
      this.logGroups[model.name] = new logs.LogGroup(this, `${pascalCase(model.name)}PipelineLogs`, {
        retention: environment.logRetentionDays as logs.RetentionDays,
        encryptionKey: props.operationsKey,
        removalPolicy: removalPolicyOf(environment),
      });
    }
  }
}
