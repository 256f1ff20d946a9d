import { Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { ARTIFACT_METADATA } from '../../common/artifact-integrity';
import { ModelLayout } from '../../common/model-layout';
import type { ModelPackageGroupRef } from '../../registry/model-registry';
import type { FrameworkImageConfig } from '../framework-image';
import type { MlInstanceType } from '../ml-instance-type';
import type { SourceCodeConfig } from '../source-code';
import type { ModelApprovalStatus } from '../training-pipeline-props';

export interface RegisterModelProps {
  readonly layout: ModelLayout;
  readonly group: ModelPackageGroupRef;
  /** Where the run's objects are: the models bucket's name. */
  readonly modelsBucket: string;
  /** The image that serves the model. */
  readonly image: FrameworkImageConfig;
  /** The serving script in the artifact's `code/`. */
  readonly inferenceScript: string;
  readonly approvalStatus: ModelApprovalStatus;
  readonly inferenceInstanceTypes: MlInstanceType[];
  readonly transformInstanceType: MlInstanceType;
  readonly codeVersion: string;
  readonly code: SourceCodeConfig;
  /** Where the execution holds the MLflow run it recorded, for the package's `mlflowRunId`. @default - none */
  readonly runIdPath?: string;
  /**
   * Where the execution holds what it knows of the artifact (JSONPaths): the SHA-256 of the
   * archive and of its files (recorded by the evaluation), and the S3 version that was evaluated.
   * The package records them under `ARTIFACT_METADATA`'s keys; a missing one fails the state.
   */
  readonly artifactPaths: { readonly [K in keyof typeof ARTIFACT_METADATA]: string };
  /**
   * The hyperparameters a tuning job searched: the package records the tuning job
   * (`tuningJobName`), its best objective value (`tuningObjective`) and each winning value
   * (`tuned.<name>`). @default - the run did not tune
   */
  readonly tunedHyperparameters?: readonly string[];
}

/**
 * The `createModelPackage` task: registers the trained artifact in the model's group with its
 * evaluation (model quality), data-quality baseline (drift checks) and lineage, and what pins its
 * bytes: the archive's S3 version and SHA-256, and its files' SHA-256.
 */
export function registerModelTask(scope: Construct, props: RegisterModelProps): tasks.CallAwsService {
  const { layout, modelsBucket } = props;
  const runObject = (key: string) =>
    sfn.JsonPath.format(`s3://${modelsBucket}/${key}`, sfn.JsonPath.stringAt('$.run.id'));
  const model = layout.modelName;
  return new tasks.CallAwsService(scope, 'RegisterModel', {
    service: 'sagemaker',
    action: 'createModelPackage',
    iamResources: [props.group.packagesArn],
    parameters: {
      ModelPackageGroupName: props.group.groupName,
      ModelPackageDescription: sfn.JsonPath.format(
        `${model} trained by execution {} on {}`,
        sfn.JsonPath.executionName,
        sfn.JsonPath.stringAt('$.datasetS3Uri'),
      ),
      ModelApprovalStatus: props.approvalStatus,
      InferenceSpecification: {
        Containers: [
          {
            Image: props.image.imageUri,
            ModelDataUrl: sfn.JsonPath.stringAt('$.train.modelArtifacts'),
            // The training script puts the serving code into the artifact: a network-isolated
            // endpoint cannot download it.
            Environment: {
              SAGEMAKER_PROGRAM: props.inferenceScript,
              SAGEMAKER_SUBMIT_DIRECTORY: '/opt/ml/model/code',
              SAGEMAKER_CONTAINER_LOG_LEVEL: '20',
              SAGEMAKER_REGION: Stack.of(scope).region,
            },
          },
        ],
        SupportedContentTypes: ['text/csv', 'application/json'],
        SupportedResponseMIMETypes: ['application/json', 'text/csv'],
        SupportedRealtimeInferenceInstanceTypes: props.inferenceInstanceTypes.map(String),
        SupportedTransformInstanceTypes: [props.transformInstanceType.toString()],
      },
      DriftCheckBaselines: {
        ModelDataQuality: {
          Statistics: {
            ContentType: 'application/json',
            S3Uri: runObject(layout.baselineKey('{}', 'statistics.json')),
          },
          Constraints: {
            ContentType: 'application/json',
            S3Uri: runObject(layout.baselineKey('{}', 'constraints.json')),
          },
        },
      },
      ModelMetrics: {
        ModelQuality: {
          Statistics: { ContentType: 'application/json', S3Uri: runObject(layout.evaluationKey('{}')) },
        },
      },
      CustomerMetadataProperties: {
        datasetS3Uri: sfn.JsonPath.stringAt('$.datasetS3Uri'),
        datasetVersion: sfn.JsonPath.stringAt('$.datasetVersion'),
        trigger: sfn.JsonPath.stringAt('$.reason'),
        codeVersion: props.codeVersion,
        sourceArchive: props.code.s3Uri,
        executionArn: sfn.JsonPath.executionId,
        trainingJobName: sfn.JsonPath.stringAt('$.train.jobName'),
        ...(props.tunedHyperparameters ? tuningMetadata(props.tunedHyperparameters) : {}),
        ...(props.runIdPath ? { mlflowRunId: sfn.JsonPath.stringAt(props.runIdPath) } : {}),
        ...Object.fromEntries(
          Object.entries(ARTIFACT_METADATA).map(([field, key]) => [
            key,
            sfn.JsonPath.stringAt(props.artifactPaths[field as keyof typeof ARTIFACT_METADATA]),
          ]),
        ),
      },
    },
    resultSelector: { 'modelPackageArn.$': '$.ModelPackageArn' },
    resultPath: '$.registered',
  });
}

/** What a tuned run adds to its package's metadata (values are strings: the Tune state's result). */
function tuningMetadata(names: readonly string[]): Record<string, string> {
  return {
    tuningJobName: sfn.JsonPath.stringAt('$.train.tuningJobName'),
    tuningObjective: sfn.JsonPath.format(
      '{}={}',
      sfn.JsonPath.stringAt('$.train.objective.MetricName'),
      sfn.JsonPath.stringAt('$.train.objective.Value'),
    ),
    ...Object.fromEntries(
      names.map((name) => [
        `tuned.${name}`,
        sfn.JsonPath.stringAt(`$.train.tunedHyperParameters['${name}']`),
      ]),
    ),
  };
}
