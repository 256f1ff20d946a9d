import { EVALUATION_ARTIFACT_FIELD } from '../../constructs/common/artifact-integrity';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { environments } from '../../config/environments';
import {
  type EnvironmentConfig,
  loadConfig,
  type MlEnvConfig,
  type MlEnvConfigInput,
  type ModelConfig,
} from '../../config';
import { DatasetLayout } from '../../constructs/common/dataset-layout';
import { LATEST_BATCH, type LatestBatch, ModelLayout } from '../../constructs/common/model-layout';
import { pascalCase } from '../../cfn/pascal-case';
import { buildPlatformApp } from '../../lib/platform/app/synthesize';
import {
  AuthorizationModel,
  type DeployedResource,
  enumerateRunTimeCalls,
  type PromotionTarget,
  type RunTimeCallEnumeration,
} from '../../lib/tools/authorization';
import { deploymentsDir } from '../support/pins';
import { TEST_CONTEXT } from '../support/platform';

/** The name of every sample execution (the enumeration's default), and the run id the pipeline derives from it. */
const EXECUTION_NAME = 'authorization-check';
export const SAMPLE_RUN_ID = createHash('md5').update(EXECUTION_NAME).digest('hex');

/** A platform where every environment serves every model, with the drift baseline its sample run computes. */
export interface PinnedPlatform {
  readonly config: MlEnvConfig;
  readonly assembly: CloudAssembly;
  readonly authz: AuthorizationModel;
  /**
   * Its run-time calls: each training pipeline runs on the newest version of its model's dataset
   * (`datasetVersion: "latest"`, as its triggers start it: it reads the model's latest.json) and
   * passes its gate.
   */
  enumerate(): Promise<RunTimeCallEnumeration>;
  /** The environment a stage (`Staging`) deploys. */
  environmentOf(stage: string): EnvironmentConfig;
  /** Stage ids in promotion order. */
  readonly promotion: readonly string[];
  /** Where a promotion into a stage runs, as the configuration names it. */
  promotionTargetOf(stage: { readonly id: string } | EnvironmentConfig): PromotionTarget;
}

/** `<project>-<env>-<account>-<region>-<kind>`: the data store's documented bucket names. */
export function bucketName(config: MlEnvConfig, env: EnvironmentConfig, kind: string): string {
  return `${config.project}-${env.name}-${env.account}-${env.region}-${kind}`;
}

/** Pins of every model in every environment, each its own account's package, with its drift baseline. */
function pinsOfEveryModel(
  config: MlEnvConfig,
  shadowed: (env: EnvironmentConfig, model: ModelConfig) => boolean = () => false,
): Record<string, unknown> {
  return Object.fromEntries(
    config.environments.map((env) => [
      env.name,
      Object.fromEntries(
        config.models.map((model) => {
          const run = `s3://${bucketName(config, env, 'models')}/${model.name}/runs/${SAMPLE_RUN_ID}/baseline`;
          return [
            model.name,
            {
              modelPackageArn: `arn:aws:sagemaker:${env.region}:${env.account}:model-package/${config.project}-${env.name}-${model.name}/3`,
              approvedBy: 'jane.doe@example.com',
              approvedAt: '2026-11-30T10:00:00Z',
              source: `registry ${config.project}-${env.name}-${model.name} v3`,
              artifactFilesSha256: createHash('sha256').update(`${env.name} ${model.name} v3`).digest('hex'),
              dataQualityBaseline: {
                statisticsS3Uri: `${run}/statistics.json`,
                constraintsS3Uri: `${run}/constraints.json`,
              },
              ...(shadowed(env, model)
                ? {
                    shadow: {
                      modelPackageArn: `arn:aws:sagemaker:${env.region}:${env.account}:model-package/${config.project}-${env.name}-${model.name}/4`,
                      artifactFilesSha256: createHash('sha256')
                        .update(`${env.name} ${model.name} v4`)
                        .digest('hex'),
                    },
                  }
                : {}),
            },
          ];
        }),
      ),
    ]),
  );
}

/** An `evaluation.json` that passes the model's quality gate (the metrics file `ml/evaluate.py` writes). */
function passingEvaluation(model: ModelConfig): string {
  const { metric, operator, threshold } = model.qualityGate;
  const value = operator.startsWith('>') ? threshold + 0.01 : threshold - 0.01;
  return JSON.stringify({
    [`${model.problemType}_metrics`]: { [metric]: { value } },
    [EVALUATION_ARTIFACT_FIELD]: { sha256: 'a'.repeat(64), files_sha256: 'b'.repeat(64) },
  });
}

/**
 * Synthesizes the platform (once per test file) with every model pinned in every environment.
 * @param input the configuration @default the committed one
 * @param shadowed which pins also name a shadow candidate
 */
export function pinnedPlatform(
  input: MlEnvConfigInput = environments,
  /** Which pins also name a shadow candidate (version 4 of the model's group). @default none */
  shadowed?: (env: EnvironmentConfig, model: ModelConfig) => boolean,
): PinnedPlatform {
  const config = loadConfig(input, {
    deploymentsDir: deploymentsDir(pinsOfEveryModel(loadConfig(input), shadowed)),
  });
  const outdir = mkdtempSync(join(tmpdir(), 'mlenv-authorization-'));
  const { app } = buildPlatformApp({ outdir, config, context: TEST_CONTEXT });
  const assembly = app.synth();
  const authz = AuthorizationModel.fromAssembly(assembly);
  const environmentOf = (stage: string): EnvironmentConfig => {
    const env = config.environments.find((e) => e.stageId === stage);
    if (!env) throw new Error(`No configured environment deploys stage ${stage}`);
    return env;
  };
  // A model's training pipeline and data pipeline are both under `<Model>Model/`.
  const modelOf = (stateMachine: DeployedResource): ModelConfig => {
    const model = config.models.find((m) => stateMachine.path.startsWith(`${pascalCase(m.name)}Model/`));
    if (!model)
      throw new Error(`No configured model trains with ${stateMachine.stage.id}/${stateMachine.path}`);
    return model;
  };
  const enumerate = () =>
    enumerateRunTimeCalls(authz, {
      executionName: EXECUTION_NAME,
      executionInput: (stateMachine) => ({
        datasetS3Uri: `s3://${bucketName(config, environmentOf(stateMachine.stage.id), 'raw')}/${modelOf(stateMachine).name}/`,
        datasetVersion: DatasetLayout.LATEST,
        reason: 'test',
        // A batch transform's input (the training and data pipelines ignore it).
        batchId: LATEST_BATCH,
      }),
      objectBody: (uri, stateMachine) => {
        const model = modelOf(stateMachine).name;
        const raw = bucketName(config, environmentOf(stateMachine.stage.id), 'raw');
        if (uri === `s3://${raw}/${DatasetLayout.latestKey(model)}`)
          return JSON.stringify(DatasetLayout.latest(raw, model, '0123456789abcdef'));
        if (uri === `s3://${raw}/${new ModelLayout(model).latestBatchKey}`)
          return JSON.stringify({ batchId: '2026-12-01' } satisfies LatestBatch);
        return uri.endsWith('/evaluation.json') ? passingEvaluation(modelOf(stateMachine)) : '{}';
      },
    });
  const promotion = config.promotion.map((name) => {
    const env = config.environments.find((e) => e.name === name);
    if (!env) throw new Error(`The promotion order names ${name}, which is not an environment`);
    return env.stageId;
  });
  const promotionTargetOf = (stage: { readonly id: string } | EnvironmentConfig): PromotionTarget => {
    const env = 'stageId' in stage ? stage : environmentOf(stage.id);
    return {
      // `<project>-<env>-promotion`, as docs/guide/operations.md names it for `mlenv promote`.
      roleArn: `arn:aws:iam::${env.account}:role/${config.project}-${env.name}-promotion`,
      parameterPath: `/${config.project}/${env.name}`,
      modelsBucket: bucketName(config, env, 'models'),
      groupArnOf: (model) =>
        `arn:aws:sagemaker:${env.region}:${env.account}:model-package-group/${config.project}-${env.name}-${model}`,
    };
  };
  return { config, assembly, authz, enumerate, environmentOf, promotion, promotionTargetOf };
}
