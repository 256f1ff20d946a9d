import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Aws, Fn, Stack, Stage, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import {
  ML_POLICY_RULES,
  MlPolicyPack,
  type MlPolicyPackProps,
} from '../../constructs/policy/ml-policy-pack';

const ACCOUNT = '111111111111';
const TRUSTED = '222222222222';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/job`;
const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Synthesizes a `Prod/Ml` stack that `build` fills, with the policy pack on the app. */
function synth(build: (stack: Stack) => void, props: MlPolicyPackProps = {}): void {
  const outdir = mkdtempSync(join(tmpdir(), 'mlenv-policy-'));
  outdirs.push(outdir);
  const app = new App({
    outdir,
    context: { 'aws:cdk:enable-path-metadata': true },
  });
  Validations.of(app).addPlugins(new MlPolicyPack(props));
  const stage = new Stage(app, 'Prod', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  build(new Stack(stage, 'Ml'));
  app.synth();
}

/** The message of the error synth throws. */
function synthError(build: (stack: Stack) => void, props: MlPolicyPackProps = {}): string {
  try {
    synth(build, props);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('synth succeeded; expected a policy violation');
}

/** Synth fails with a violation of `ruleId` on the construct at `path` (one report block names both). */
function expectViolation(message: string, ruleId: string, path: string): void {
  const blocks = message.split('\n\n');
  expect(blocks).toContainEqual(
    expect.stringMatching(new RegExp(`${escape(path)} [\\s\\S]*mlenv-ml-policy::${escape(ruleId)}'?$`)),
  );
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

// Fixtures: compliant L1 resources, each with overrides to break one rule. -----------------------

function endpointConfig(stack: Stack, overrides: Partial<sagemaker.CfnEndpointConfigProps> = {}) {
  return new sagemaker.CfnEndpointConfig(stack, 'Config', {
    productionVariants: [
      { variantName: 'AllTraffic', modelName: 'churn', instanceType: 'ml.m5.large', initialInstanceCount: 2 },
    ],
    dataCaptureConfig: {
      enableCapture: true,
      initialSamplingPercentage: 20,
      destinationS3Uri: 's3://monitoring/churn/data-capture',
      captureOptions: [{ captureMode: 'Input' }, { captureMode: 'Output' }],
    },
    ...overrides,
  });
}

function endpoint(stack: Stack, overrides: Partial<sagemaker.CfnEndpointProps> = {}) {
  return new sagemaker.CfnEndpoint(stack, 'Endpoint', {
    endpointConfigName: 'churn-config',
    deploymentConfig: {
      blueGreenUpdatePolicy: {
        trafficRoutingConfiguration: { type: 'CANARY', canarySize: { type: 'CAPACITY_PERCENT', value: 10 } },
      },
      autoRollbackConfiguration: { alarms: [{ alarmName: 'churn-5xx' }] },
    },
    ...overrides,
  });
}

function model(stack: Stack, overrides: Partial<sagemaker.CfnModelProps> = {}) {
  return new sagemaker.CfnModel(stack, 'Model', {
    executionRoleArn: ROLE,
    containers: [{ modelPackageName: `arn:aws:sagemaker:eu-west-1:${ACCOUNT}:model-package/churn/1` }],
    vpcConfig: { subnets: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] },
    enableNetworkIsolation: true,
    ...overrides,
  });
}

type Json = Record<string, any>;

/** A copy of `value` without the setting at the dotted `path`. */
function without(value: Json, path: string): Json {
  const copy = structuredClone(value);
  const keys = path.split('.');
  const parent = keys.slice(0, -1).reduce((object, key) => object[key], copy);
  delete parent[keys[keys.length - 1]];
  return copy;
}

const TRAINING_JOB: Json = {
  'TrainingJobName.$': "States.Format('churn-train-{}', $$.Execution.Name)",
  RoleArn: ROLE,
  AlgorithmSpecification: { TrainingImage: 'image', TrainingInputMode: 'File' },
  ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 30, VolumeKmsKeyId: KEY },
  OutputDataConfig: { S3OutputPath: 's3://models/churn', KmsKeyId: KEY },
  StoppingCondition: { MaxRuntimeInSeconds: 3600 },
  EnableNetworkIsolation: true,
};

const PROCESSING_JOB: Json = {
  'ProcessingJobName.$': "States.Format('churn-preprocess-{}', $$.Execution.Name)",
  RoleArn: ROLE,
  AppSpecification: { ImageUri: 'image' },
  ProcessingResources: {
    ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 30, VolumeKmsKeyId: KEY },
  },
  ProcessingOutputConfig: { KmsKeyId: KEY, Outputs: [] },
  StoppingCondition: { MaxRuntimeInSeconds: 3600 },
  NetworkConfig: { EnableNetworkIsolation: true },
};

/**
 * A tuning job as CreateHyperParameterTuningJob takes it (botocore's service model,
 * HyperParameterTrainingJobDefinition): its trials' settings under TrainingJobDefinition.
 */
const TUNING_JOB: Json = {
  'HyperParameterTuningJobName.$': "States.Format('churn-tune-{}', $.run.tuneId)",
  HyperParameterTuningJobConfig: {
    Strategy: 'Bayesian',
    HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:auc' },
    ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 },
    ParameterRanges: {
      IntegerParameterRanges: [{ Name: 'max-depth', MinValue: '2', MaxValue: '5', ScalingType: 'Auto' }],
    },
  },
  // The training job's request without its name: SageMaker names the trials.
  TrainingJobDefinition: Object.fromEntries(
    Object.entries(TRAINING_JOB).filter(([key]) => !key.startsWith('TrainingJobName')),
  ),
};

function jobState(
  stack: Stack,
  id: string,
  kind: 'Training' | 'Processing' | 'HyperParameterTuning' | 'Transform',
  parameters: Json,
) {
  return new sfn.CustomState(stack, id, {
    stateJson: {
      Type: 'Task',
      Resource: `arn:aws:states:::sagemaker:create${kind}Job.sync`,
      Parameters: parameters,
    },
  });
}

/** A pipeline with a training job in a Parallel branch and a processing job in a Map. */
function pipeline(stack: Stack, training: Json = TRAINING_JOB, processing: Json = PROCESSING_JOB) {
  const map = new sfn.Map(stack, 'PerSplit', { itemsPath: '$.splits' });
  map.itemProcessor(jobState(stack, 'Preprocess', 'Processing', processing));
  const fanout = new sfn.Parallel(stack, 'Fanout')
    .branch(jobState(stack, 'Train', 'Training', training))
    .branch(map);
  return new sfn.StateMachine(stack, 'Pipeline', {
    definitionBody: sfn.DefinitionBody.fromChainable(fanout),
  });
}

function dataQualityJob(stack: Stack, overrides: Partial<sagemaker.CfnDataQualityJobDefinitionProps> = {}) {
  return new sagemaker.CfnDataQualityJobDefinition(stack, 'DataQuality', {
    roleArn: ROLE,
    dataQualityAppSpecification: { imageUri: 'image' },
    dataQualityJobInput: { endpointInput: { endpointName: 'churn', localPath: '/opt/ml/processing/input' } },
    dataQualityJobOutputConfig: {
      kmsKeyId: KEY,
      monitoringOutputs: [
        { s3Output: { localPath: '/opt/ml/processing/output', s3Uri: 's3://monitoring/x' } },
      ],
    },
    jobResources: {
      clusterConfig: {
        instanceCount: 1,
        instanceType: 'ml.m5.large',
        volumeSizeInGb: 20,
        volumeKmsKeyId: KEY,
      },
    },
    networkConfig: { enableNetworkIsolation: true },
    stoppingCondition: { maxRuntimeInSeconds: 1800 },
    ...overrides,
  });
}

function modelPackageGroup(stack: Stack, principals: unknown) {
  return new sagemaker.CfnModelPackageGroup(stack, 'Group', {
    modelPackageGroupName: 'mlenv-prod-churn',
    modelPackageGroupPolicy: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ReadForPromotion',
          Effect: 'Allow',
          Principal: { AWS: principals },
          Action: ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages'],
          Resource: [`arn:aws:sagemaker:eu-west-1:${ACCOUNT}:model-package/mlenv-prod-churn/*`],
        },
      ],
    },
  });
}

function unversionedBucket(stack: Stack) {
  return new s3.CfnBucket(stack, 'Bucket');
}

function roleWith(stack: Stack, actions: string[]) {
  const role = new iam.Role(stack, 'Role', {
    assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
  });
  role.addToPolicy(new iam.PolicyStatement({ actions, resources: ['arn:aws:s3:::models/*'] }));
  return role;
}

// The rules, each compliant and not. -------------------------------------------------------------

const PRODUCTION = { production: true };

describe('MLENV-ENDPOINT-INSTANCES (production)', () => {
  test('an endpoint config with 2 instances passes', () => {
    expect(() => synth((stack) => endpointConfig(stack), PRODUCTION)).not.toThrow();
  });

  test('one instance fails', () => {
    const message = synthError(
      (stack) =>
        endpointConfig(stack, {
          productionVariants: [
            {
              variantName: 'AllTraffic',
              modelName: 'm',
              instanceType: 'ml.m5.large',
              initialInstanceCount: 1,
            },
          ],
        }),
      PRODUCTION,
    );
    expectViolation(message, 'MLENV-ENDPOINT-INSTANCES', 'Prod/Ml/Config');
    expect(message).toContain("variant 'AllTraffic' has InitialInstanceCount 1, fewer than 2");
  });

  test('a serverless variant fails', () => {
    const message = synthError(
      (stack) =>
        endpointConfig(stack, {
          productionVariants: [
            {
              variantName: 'AllTraffic',
              modelName: 'm',
              serverlessConfig: { memorySizeInMb: 2048, maxConcurrency: 5 },
            },
          ],
        }),
      PRODUCTION,
    );
    expectViolation(message, 'MLENV-ENDPOINT-INSTANCES', 'Prod/Ml/Config');
    expect(message).toContain("variant 'AllTraffic' is serverless");
  });
});

describe('MLENV-ENDPOINT-CAPTURE (production)', () => {
  test('capturing 20 % passes', () => {
    expect(() => synth((stack) => endpointConfig(stack), PRODUCTION)).not.toThrow();
  });

  test('no data capture fails', () => {
    const message = synthError(
      (stack) => endpointConfig(stack, { dataCaptureConfig: undefined }),
      PRODUCTION,
    );
    expectViolation(message, 'MLENV-ENDPOINT-CAPTURE', 'Prod/Ml/Config');
  });

  test('capture switched off or sampling 0 % fails', () => {
    const message = synthError(
      (stack) =>
        endpointConfig(stack, {
          dataCaptureConfig: {
            enableCapture: false,
            initialSamplingPercentage: 0,
            destinationS3Uri: 's3://monitoring/churn',
            captureOptions: [{ captureMode: 'Input' }],
          },
        }),
      PRODUCTION,
    );
    expectViolation(message, 'MLENV-ENDPOINT-CAPTURE', 'Prod/Ml/Config');
    expect(message).toContain('EnableCapture is not true; InitialSamplingPercentage is 0, not above 0');
  });
});

describe('MLENV-ENDPOINT-ROLLBACK (production)', () => {
  test('a blue/green endpoint with rollback alarms passes', () => {
    expect(() => synth((stack) => endpoint(stack), PRODUCTION)).not.toThrow();
  });

  test('an endpoint without a deployment config fails', () => {
    const message = synthError((stack) => endpoint(stack, { deploymentConfig: undefined }), PRODUCTION);
    expectViolation(message, 'MLENV-ENDPOINT-ROLLBACK', 'Prod/Ml/Endpoint');
  });

  test('blue/green without rollback alarms fails', () => {
    const message = synthError(
      (stack) =>
        endpoint(stack, {
          deploymentConfig: {
            blueGreenUpdatePolicy: { trafficRoutingConfiguration: { type: 'ALL_AT_ONCE' } },
            autoRollbackConfiguration: { alarms: [] },
          },
        }),
      PRODUCTION,
    );
    expectViolation(message, 'MLENV-ENDPOINT-ROLLBACK', 'Prod/Ml/Endpoint');
    expect(message).toContain('DeploymentConfig.AutoRollbackConfiguration.Alarms is empty');
  });
});

describe('MLENV-ENDPOINT-VPC (production)', () => {
  test('a network-isolated model in a VPC passes', () => {
    expect(() => synth((stack) => model(stack), PRODUCTION)).not.toThrow();
  });

  test('a model outside a VPC, without isolation, fails', () => {
    const message = synthError(
      (stack) => model(stack, { vpcConfig: undefined, enableNetworkIsolation: false }),
      PRODUCTION,
    );
    expectViolation(message, 'MLENV-ENDPOINT-VPC', 'Prod/Ml/Model');
    expect(message).toContain(
      'no VpcConfig.Subnets; no VpcConfig.SecurityGroupIds; EnableNetworkIsolation is not true',
    );
  });
});

describe('production rules', () => {
  test('do not apply when production is false (the default)', () => {
    expect(() =>
      synth((stack) => {
        endpointConfig(stack, {
          productionVariants: [
            {
              variantName: 'AllTraffic',
              modelName: 'm',
              serverlessConfig: { memorySizeInMb: 2048, maxConcurrency: 5 },
            },
          ],
          dataCaptureConfig: undefined,
        });
        endpoint(stack, { deploymentConfig: undefined });
        model(stack, { vpcConfig: undefined, enableNetworkIsolation: false });
      }),
    ).not.toThrow();
  });

  test('are listed in ruleIds only for production', () => {
    const production = [
      'MLENV-ENDPOINT-INSTANCES',
      'MLENV-ENDPOINT-CAPTURE',
      'MLENV-ENDPOINT-ROLLBACK',
      'MLENV-ENDPOINT-VPC',
    ];
    expect(new MlPolicyPack().ruleIds).toEqual(
      ML_POLICY_RULES.map((r) => r.id).filter((id) => !production.includes(id)),
    );
    expect(new MlPolicyPack(PRODUCTION).ruleIds).toEqual(ML_POLICY_RULES.map((r) => r.id));
  });
});

describe('MLENV-JOB-LIMITS', () => {
  test('jobs with time limits (nested in Parallel and Map) and a monitoring job with one pass', () => {
    expect(() =>
      synth((stack) => {
        pipeline(stack);
        dataQualityJob(stack);
      }),
    ).not.toThrow();
  });

  test('a processing job in a Map without a time limit fails', () => {
    const message = synthError((stack) =>
      pipeline(stack, TRAINING_JOB, without(PROCESSING_JOB, 'StoppingCondition.MaxRuntimeInSeconds')),
    );
    expectViolation(message, 'MLENV-JOB-LIMITS', 'Prod/Ml/Pipeline/Resource');
    expect(message).toContain(
      "processing job of state 'Fanout > PerSplit > Preprocess': no StoppingCondition.MaxRuntimeInSeconds",
    );
  });

  test('a monitoring job definition without a time limit fails', () => {
    const message = synthError((stack) => dataQualityJob(stack, { stoppingCondition: undefined }));
    expectViolation(message, 'MLENV-JOB-LIMITS', 'Prod/Ml/DataQuality');
  });
});

describe('MLENV-JOB-ENCRYPTION', () => {
  test('encrypted jobs pass, with keys given by reference', () => {
    expect(() =>
      synth((stack) => {
        pipeline(stack);
        dataQualityJob(stack);
      }),
    ).not.toThrow();
  });

  test('a key the execution input sets cannot be checked at synth: it fails unless acknowledged with a reason', () => {
    const training = without(TRAINING_JOB, 'ResourceConfig.VolumeKmsKeyId');
    training.ResourceConfig['VolumeKmsKeyId.$'] = '$.keyArn';
    const message = synthError((stack) => pipeline(stack, training));
    expectViolation(message, 'MLENV-JOB-ENCRYPTION', 'Prod/Ml/Pipeline/Resource');
    expect(message).toContain('ResourceConfig.VolumeKmsKeyId: it is set at run time');
    expect(() =>
      synth((stack) =>
        Validations.of(pipeline(stack, training)).acknowledge({
          id: 'mlenv-ml-policy::MLENV-JOB-ENCRYPTION',
          reason: 'the caller passes a key of its own account, checked by its own policy',
        }),
      ),
    ).not.toThrow();
  });

  test('a training job without volume or output keys fails', () => {
    const training = without(
      without(TRAINING_JOB, 'ResourceConfig.VolumeKmsKeyId'),
      'OutputDataConfig.KmsKeyId',
    );
    const message = synthError((stack) => pipeline(stack, training));
    expectViolation(message, 'MLENV-JOB-ENCRYPTION', 'Prod/Ml/Pipeline/Resource');
    expect(message).toContain(
      "training job of state 'Fanout > Train': no ResourceConfig.VolumeKmsKeyId; " +
        "training job of state 'Fanout > Train': no OutputDataConfig.KmsKeyId",
    );
  });

  test('a monitoring job definition with an unencrypted output fails', () => {
    const message = synthError((stack) =>
      dataQualityJob(stack, {
        dataQualityJobOutputConfig: {
          monitoringOutputs: [
            { s3Output: { localPath: '/opt/ml/processing/output', s3Uri: 's3://monitoring/x' } },
          ],
        },
      }),
    );
    expectViolation(message, 'MLENV-JOB-ENCRYPTION', 'Prod/Ml/DataQuality');
    expect(message).toContain('no DataQualityJobOutputConfig.KmsKeyId');
  });
});

describe('MLENV-JOB-ISOLATION', () => {
  test('isolated jobs pass', () => {
    expect(() =>
      synth((stack) => {
        pipeline(stack);
        dataQualityJob(stack);
      }),
    ).not.toThrow();
  });

  test('a processing job without network isolation fails', () => {
    const message = synthError((stack) =>
      pipeline(stack, TRAINING_JOB, { ...PROCESSING_JOB, NetworkConfig: { EnableNetworkIsolation: false } }),
    );
    expectViolation(message, 'MLENV-JOB-ISOLATION', 'Prod/Ml/Pipeline/Resource');
    expect(message).toContain('NetworkConfig.EnableNetworkIsolation is not true');
  });

  test('a training job or monitoring job without network isolation fails', () => {
    const message = synthError((stack) => {
      pipeline(stack, without(TRAINING_JOB, 'EnableNetworkIsolation'));
      dataQualityJob(stack, { networkConfig: undefined });
    });
    expectViolation(message, 'MLENV-JOB-ISOLATION', 'Prod/Ml/Pipeline/Resource');
    expectViolation(message, 'MLENV-JOB-ISOLATION', 'Prod/Ml/DataQuality');
  });
});

describe('model-quality job definitions are checked like data-quality ones', () => {
  function modelQualityJob(
    stack: Stack,
    overrides: Partial<sagemaker.CfnModelQualityJobDefinitionProps> = {},
  ) {
    return new sagemaker.CfnModelQualityJobDefinition(stack, 'ModelQuality', {
      roleArn: ROLE,
      modelQualityAppSpecification: { imageUri: 'image', problemType: 'BinaryClassification' },
      modelQualityJobInput: {
        endpointInput: { endpointName: 'churn', localPath: '/opt/ml/processing/input' },
        groundTruthS3Input: { s3Uri: 's3://monitoring/churn/ground-truth' },
      },
      modelQualityJobOutputConfig: {
        kmsKeyId: KEY,
        monitoringOutputs: [
          { s3Output: { localPath: '/opt/ml/processing/output', s3Uri: 's3://monitoring/x' } },
        ],
      },
      jobResources: {
        clusterConfig: {
          instanceCount: 1,
          instanceType: 'ml.m5.large',
          volumeSizeInGb: 20,
          volumeKmsKeyId: KEY,
        },
      },
      networkConfig: { enableNetworkIsolation: true },
      stoppingCondition: { maxRuntimeInSeconds: 1800 },
      ...overrides,
    });
  }

  test('an encrypted, isolated one passes', () => {
    expect(() => synth((stack) => modelQualityJob(stack))).not.toThrow();
  });

  test('an unencrypted output or volume fails', () => {
    const message = synthError((stack) =>
      modelQualityJob(stack, {
        modelQualityJobOutputConfig: {
          monitoringOutputs: [
            { s3Output: { localPath: '/opt/ml/processing/output', s3Uri: 's3://monitoring/x' } },
          ],
        },
      }),
    );
    expectViolation(message, 'MLENV-JOB-ENCRYPTION', 'Prod/Ml/ModelQuality');
    expect(message).toContain('no ModelQualityJobOutputConfig.KmsKeyId');
  });

  test('one without network isolation fails', () => {
    const message = synthError((stack) => modelQualityJob(stack, { networkConfig: undefined }));
    expectViolation(message, 'MLENV-JOB-ISOLATION', 'Prod/Ml/ModelQuality');
  });
});

describe('a DefinitionString given as Fn::Join with tokens', () => {
  /** A CfnStateMachine whose definition holds the role's ARN (a GetAtt), so it renders as Fn::Join. */
  function joinedPipeline(stack: Stack, training: Json) {
    const role = new iam.CfnRole(stack, 'JobRole', {
      assumeRolePolicyDocument: {
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      },
    });
    const definition = {
      StartAt: 'Train',
      States: {
        Train: {
          Type: 'Task',
          Resource: `arn:${stack.partition}:states:::sagemaker:createTrainingJob.sync`,
          Parameters: { ...training, RoleArn: role.attrArn },
          End: true,
        },
      },
    };
    const machine = new sfn.CfnStateMachine(stack, 'Joined', {
      roleArn: ROLE,
      definitionString: stack.toJsonString(definition),
    });
    expect(stack.resolve(machine.definitionString)).toHaveProperty(['Fn::Join']);
  }

  test('is parsed: a compliant job passes', () => {
    expect(() => synth((stack) => joinedPipeline(stack, TRAINING_JOB))).not.toThrow();
  });

  test('is parsed: a job without a time limit fails', () => {
    const message = synthError((stack) =>
      joinedPipeline(stack, without(TRAINING_JOB, 'StoppingCondition.MaxRuntimeInSeconds')),
    );
    expectViolation(message, 'MLENV-JOB-LIMITS', 'Prod/Ml/Joined');
    expect(message).toContain("training job of state 'Train': no StoppingCondition.MaxRuntimeInSeconds");
  });

  test('a definition that cannot be read fails rather than passing unchecked', () => {
    const message = synthError(
      (stack) =>
        new sfn.CfnStateMachine(stack, 'Unreadable', {
          roleArn: ROLE,
          definitionString:
            stack.toJsonString({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }) + '{',
        }),
    );
    expectViolation(message, 'MLENV-JOB-LIMITS', 'Prod/Ml/Unreadable');
  });
});

describe('MLENV-REGISTRY-ACCESS', () => {
  test("trusted accounts and the group's own account (root, role, id) pass", () => {
    expect(() =>
      synth(
        (stack) =>
          modelPackageGroup(stack, [
            `arn:aws:iam::${TRUSTED}:root`,
            `arn:aws:iam::${ACCOUNT}:role/promoter`,
            ACCOUNT,
            new iam.AccountRootPrincipal().arn, // arn:${Partition}:iam::${AccountId}:root
            new iam.Role(stack, 'Promoter', { assumedBy: new iam.AccountRootPrincipal() }).roleArn, // GetAtt
          ]),
        { trustedAccounts: [TRUSTED] },
      ),
    ).not.toThrow();
  });

  test('an account that is not trusted fails', () => {
    const message = synthError((stack) => modelPackageGroup(stack, [`arn:aws:iam::${TRUSTED}:root`]));
    expectViolation(message, 'MLENV-REGISTRY-ACCESS', 'Prod/Ml/Group');
    expect(message).toContain(`statement ReadForPromotion allows "arn:aws:iam::${TRUSTED}:root"`);
  });

  test('everyone (*) fails', () => {
    const message = synthError((stack) => modelPackageGroup(stack, '*'), { trustedAccounts: [TRUSTED] });
    expectViolation(message, 'MLENV-REGISTRY-ACCESS', 'Prod/Ml/Group');
    expect(message).toContain('allows everyone (*)');
  });
});

describe('MLENV-BUCKET-VERSIONING', () => {
  test('a versioned bucket passes', () => {
    expect(() =>
      synth((stack) => new s3.CfnBucket(stack, 'Bucket', { versioningConfiguration: { status: 'Enabled' } })),
    ).not.toThrow();
  });

  test('an unversioned bucket fails', () => {
    const message = synthError((stack) => new s3.Bucket(stack, 'Bucket'));
    expectViolation(message, 'MLENV-BUCKET-VERSIONING', 'Prod/Ml/Bucket/Resource');
  });
});

describe('MLENV-IAM-NO-STAR-ACTIONS', () => {
  test('listed actions pass', () => {
    expect(() => synth((stack) => roleWith(stack, ['s3:GetObject', 's3:PutObject']))).not.toThrow();
  });

  test('<service>:* in a role policy fails', () => {
    const message = synthError((stack) => roleWith(stack, ['s3:*']));
    expectViolation(message, 'MLENV-IAM-NO-STAR-ACTIONS', 'Prod/Ml/Role/DefaultPolicy/Resource');
    expect(message).toContain("allows Action 's3:*'");
  });

  test('* in a managed policy or a role inline policy fails', () => {
    const message = synthError((stack) => {
      new iam.ManagedPolicy(stack, 'Managed', {
        statements: [new iam.PolicyStatement({ actions: ['*'], resources: ['*'] })],
      });
      new iam.Role(stack, 'Inline', {
        assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
        inlinePolicies: {
          All: new iam.PolicyDocument({
            statements: [new iam.PolicyStatement({ notActions: ['sagemaker:*'], resources: ['*'] })],
          }),
        },
      });
    });
    expectViolation(message, 'MLENV-IAM-NO-STAR-ACTIONS', 'Prod/Ml/Managed/Resource');
    expectViolation(message, 'MLENV-IAM-NO-STAR-ACTIONS', 'Prod/Ml/Inline/Resource');
  });
});

// Acknowledgements. ------------------------------------------------------------------------------

describe('values synth cannot see fail closed', () => {
  const choose = (a: unknown, b: unknown) => Fn.conditionIf('UseVpc', a, b);

  test('network isolation set by the execution input', () => {
    const training = without(TRAINING_JOB, 'EnableNetworkIsolation');
    training['EnableNetworkIsolation.$'] = '$.isolate';
    const message = synthError((stack) => pipeline(stack, training));
    expectViolation(message, 'MLENV-JOB-ISOLATION', 'Prod/Ml/Pipeline/Resource');
    expect(message).toContain('it is set at run time');
  });

  test('a time limit set by the execution input', () => {
    const processing = without(PROCESSING_JOB, 'StoppingCondition.MaxRuntimeInSeconds');
    processing.StoppingCondition['MaxRuntimeInSeconds.$'] = '$.limit';
    expectViolation(
      synthError((stack) => pipeline(stack, TRAINING_JOB, processing)),
      'MLENV-JOB-LIMITS',
      'Prod/Ml/Pipeline/Resource',
    );
  });

  test('a model whose isolation and subnets a CloudFormation condition picks', () => {
    const message = synthError(
      (stack) =>
        model(stack, {
          enableNetworkIsolation: choose(true, false) as never,
          vpcConfig: {
            subnets: Fn.split(',', Fn.importValue('Subnets')),
            securityGroupIds: ['sg-0123456789abcdef0'],
          },
        }),
      PRODUCTION,
    );
    expectViolation(message, 'MLENV-ENDPOINT-VPC', 'Prod/Ml/Model');
    expect(message).toContain('VpcConfig.Subnets: it is computed at deploy time');
    expect(message).toContain('EnableNetworkIsolation: it is computed at deploy time');
  });

  test('a rollback policy a CloudFormation condition picks', () => {
    const message = synthError(
      (stack) =>
        endpoint(stack, {
          deploymentConfig: {
            blueGreenUpdatePolicy: choose(
              { trafficRoutingConfiguration: { type: 'ALL_AT_ONCE' } },
              Aws.NO_VALUE,
            ) as never,
            autoRollbackConfiguration: { alarms: [{ alarmName: 'churn-5xx' }] },
          },
        }),
      PRODUCTION,
    );
    expectViolation(message, 'MLENV-ENDPOINT-ROLLBACK', 'Prod/Ml/Endpoint');
    expect(message).toContain('computed at deploy time');
  });

  test('an IAM action synth cannot read', () => {
    const message = synthError((stack) => {
      const role = new iam.Role(stack, 'Role', {
        assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      });
      const policy = new iam.CfnPolicy(stack, 'Policy', {
        policyName: 'p',
        roles: [role.roleName],
        policyDocument: {
          Statement: [{ Effect: 'Allow', Action: choose('s3:*', 's3:GetObject'), Resource: '*' }],
        },
      });
      policy.node.addDependency(role);
    });
    expectViolation(message, 'MLENV-IAM-NO-STAR-ACTIONS', 'Prod/Ml/Policy');
    expect(message).toContain('has a Action that synth cannot read');
  });
});

describe('acknowledgements', () => {
  test('CDK stores a prefixed id as given and a bare id as Annotation::<id>', () => {
    const stack = new Stack(new App(), 'Ml');
    Validations.of(stack).acknowledge(
      { id: 'mlenv-ml-policy::MLENV-BUCKET-VERSIONING', reason: 'a' },
      { id: 'MLENV-JOB-LIMITS', reason: 'b' },
    );
    const stored = stack.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .map((m) => m.data);
    expect(stored).toEqual([
      { 'mlenv-ml-policy::MLENV-BUCKET-VERSIONING': 'a' },
      { 'Annotation::MLENV-JOB-LIMITS': 'b' },
    ]);
  });

  test.each(['mlenv-ml-policy::MLENV-BUCKET-VERSIONING', 'MLENV-BUCKET-VERSIONING'])(
    'one with a reason (%s) on the resource skips its violation',
    (id) => {
      expect(() =>
        synth((stack) => {
          Validations.of(unversionedBucket(stack)).acknowledge({ id, reason: 'scratch data, rebuilt daily' });
        }),
      ).not.toThrow();
    },
  );

  test('one with a reason on an ancestor (the stack) skips the violations below it', () => {
    expect(() =>
      synth((stack) => {
        new s3.Bucket(stack, 'Bucket');
        Validations.of(stack).acknowledge({ id: 'MLENV-BUCKET-VERSIONING', reason: 'scratch stack' });
      }),
    ).not.toThrow();
  });

  test('one for another rule does not skip the violation', () => {
    const message = synthError((stack) => {
      Validations.of(unversionedBucket(stack)).acknowledge({ id: 'MLENV-JOB-LIMITS', reason: 'unrelated' });
    });
    expectViolation(message, 'MLENV-BUCKET-VERSIONING', 'Prod/Ml/Bucket');
  });

  test.each([
    ['mlenv-ml-policy::MLENV-BUCKET-VERSIONING', ''],
    ['MLENV-BUCKET-VERSIONING', '   '],
  ])('one without a reason (%s, %j) does not skip the violation', (id, reason) => {
    const message = synthError((stack) => {
      Validations.of(unversionedBucket(stack)).acknowledge({ id, reason });
    });
    expectViolation(message, 'MLENV-BUCKET-VERSIONING', 'Prod/Ml/Bucket');
    expect(message).toContain('an acknowledgement needs a reason');
  });
});

describe('MlPolicyPack', () => {
  test('lists every rule with a description and a fix', () => {
    expect(ML_POLICY_RULES.map((r) => r.id)).toEqual([
      'MLENV-ENDPOINT-INSTANCES',
      'MLENV-ENDPOINT-CAPTURE',
      'MLENV-ENDPOINT-ROLLBACK',
      'MLENV-ENDPOINT-VPC',
      'MLENV-ASYNC-OUTPUT-KMS',
      'MLENV-JOB-LIMITS',
      'MLENV-JOB-ENCRYPTION',
      'MLENV-JOB-ISOLATION',
      'MLENV-JOB-KNOWN-KIND',
      'MLENV-REGISTRY-ACCESS',
      'MLENV-BUCKET-VERSIONING',
      'MLENV-IAM-NO-STAR-ACTIONS',
    ]);
    for (const rule of ML_POLICY_RULES) {
      expect(rule.description).not.toBe('');
      expect(rule.fix).not.toBe('');
    }
  });

  test('refuses trusted accounts that are not account ids', () => {
    expect(() => new MlPolicyPack({ trustedAccounts: ['12345', TRUSTED, 'prod'] })).toThrow(
      "Invalid MlPolicyPack props:\n  - trustedAccounts: '12345' is not a 12-digit account id\n" +
        "  - trustedAccounts: 'prod' is not a 12-digit account id",
    );
  });

  test('reports every violating resource in one failed synth', () => {
    const message = synthError((stack) => {
      unversionedBucket(stack);
      roleWith(stack, ['s3:*']);
    });
    expectViolation(message, 'MLENV-BUCKET-VERSIONING', 'Prod/Ml/Bucket');
    expectViolation(message, 'MLENV-IAM-NO-STAR-ACTIONS', 'Prod/Ml/Role/DefaultPolicy/Resource');
  });
});

describe('tuning jobs (createHyperParameterTuningJob)', () => {
  /** A pipeline whose one state is a tuning job with `parameters`. */
  const tuning = (stack: Stack, parameters: Json) =>
    new sfn.StateMachine(stack, 'Pipeline', {
      definitionBody: sfn.DefinitionBody.fromChainable(
        jobState(stack, 'Tune', 'HyperParameterTuning', parameters),
      ),
    });
  /** TUNING_JOB with each of TrainingJobDefinitions set to `definitions`. */
  const withDefinitions = (...definitions: Json[]) => ({
    ...without(TUNING_JOB, 'TrainingJobDefinition'),
    TrainingJobDefinitions: definitions.map((d, i) => ({ DefinitionName: `d${i}`, ...d })),
  });

  test('a tuning job with a time limit, encrypted and isolated trials passes, in production too', () => {
    expect(() => synth((stack) => tuning(stack, TUNING_JOB), PRODUCTION)).not.toThrow();
    expect(() =>
      synth((stack) => tuning(stack, withDefinitions(TUNING_JOB.TrainingJobDefinition))),
    ).not.toThrow();
  });

  test.each([
    [
      'MLENV-JOB-ENCRYPTION',
      'ResourceConfig.VolumeKmsKeyId',
      'no TrainingJobDefinition.ResourceConfig.VolumeKmsKeyId',
    ],
    [
      'MLENV-JOB-ENCRYPTION',
      'OutputDataConfig.KmsKeyId',
      'no TrainingJobDefinition.OutputDataConfig.KmsKeyId',
    ],
    [
      'MLENV-JOB-ISOLATION',
      'EnableNetworkIsolation',
      'TrainingJobDefinition.EnableNetworkIsolation is not true',
    ],
    [
      'MLENV-JOB-LIMITS',
      'StoppingCondition.MaxRuntimeInSeconds',
      'no TrainingJobDefinition.StoppingCondition.MaxRuntimeInSeconds',
    ],
  ])('%s: a definition without %s fails', (rule, setting, problem) => {
    const parameters = without(TUNING_JOB, `TrainingJobDefinition.${setting}`);
    const message = synthError((stack) => tuning(stack, parameters));
    expectViolation(message, rule, 'Prod/Ml/Pipeline/Resource');
    expect(message).toContain(`tuning job of state 'Tune': ${problem}`);
  });

  test('network isolation switched off, or a definition set at run time, fails', () => {
    const off = structuredClone(TUNING_JOB);
    off.TrainingJobDefinition.EnableNetworkIsolation = false;
    expect(synthError((stack) => tuning(stack, off))).toContain(
      'TrainingJobDefinition.EnableNetworkIsolation is not true',
    );
    const dynamic = {
      ...without(TUNING_JOB, 'TrainingJobDefinition'),
      'TrainingJobDefinition.$': '$.definition',
    };
    const message = synthError((stack) => tuning(stack, dynamic));
    for (const rule of ['MLENV-JOB-ENCRYPTION', 'MLENV-JOB-ISOLATION', 'MLENV-JOB-LIMITS']) {
      expectViolation(message, rule, 'Prod/Ml/Pipeline/Resource');
    }
    expect(message).toContain('TrainingJobDefinition.ResourceConfig.VolumeKmsKeyId: it is set at run time');
  });

  test('a tuning job without any training job definition fails every job rule', () => {
    const message = synthError((stack) => tuning(stack, without(TUNING_JOB, 'TrainingJobDefinition')));
    for (const rule of ['MLENV-JOB-ENCRYPTION', 'MLENV-JOB-ISOLATION', 'MLENV-JOB-LIMITS']) {
      expectViolation(message, rule, 'Prod/Ml/Pipeline/Resource');
    }
  });

  test('each of TrainingJobDefinitions is checked, and a finding names which', () => {
    const compliant = TUNING_JOB.TrainingJobDefinition;
    const message = synthError((stack) =>
      tuning(stack, withDefinitions(compliant, without(compliant, 'ResourceConfig.VolumeKmsKeyId'))),
    );
    expectViolation(message, 'MLENV-JOB-ENCRYPTION', 'Prod/Ml/Pipeline/Resource');
    expect(message).toContain(
      "tuning job of state 'Tune': no TrainingJobDefinitions[1].ResourceConfig.VolumeKmsKeyId",
    );
    expect(message).not.toContain('TrainingJobDefinitions[0]');
  });

  test('a singular TrainingJobDefinition beside the list is checked too', () => {
    const compliant = TUNING_JOB.TrainingJobDefinition;
    const message = synthError((stack) =>
      tuning(stack, {
        ...withDefinitions(compliant),
        TrainingJobDefinition: without(compliant, 'EnableNetworkIsolation'),
      }),
    );
    expectViolation(message, 'MLENV-JOB-ISOLATION', 'Prod/Ml/Pipeline/Resource');
    expect(message).toContain('TrainingJobDefinition.EnableNetworkIsolation');
  });
});

describe('MLENV-JOB-KNOWN-KIND', () => {
  const TRANSFORM_JOB: Json = {
    'TransformJobName.$': "States.Format('churn-transform-{}', $$.Execution.Name)",
    ModelName: 'churn',
    TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/churn/' } } },
    TransformOutput: { S3OutputPath: 's3://data/churn/out/' },
    TransformResources: { InstanceCount: 1, InstanceType: 'ml.m5.large' },
  };

  test('training, processing and tuning jobs are kinds the pack checks', () => {
    expect(() =>
      synth((stack) => {
        pipeline(stack);
        new sfn.StateMachine(stack, 'Tuning', {
          definitionBody: sfn.DefinitionBody.fromChainable(
            jobState(stack, 'Tune', 'HyperParameterTuning', TUNING_JOB),
          ),
        });
      }),
    ).not.toThrow();
  });

  // Each runs instances: AutoML's jobs, a SageMaker Pipelines execution's steps, a monitoring
  // schedule's jobs, a HyperPod cluster.
  test.each([
    ['arn:aws:states:::aws-sdk:sagemaker:createAutoMLJobV2', 'createAutoMLJobV2'],
    ['arn:aws:states:::aws-sdk:sagemaker:startPipelineExecution', 'startPipelineExecution'],
    ['arn:aws:states:::aws-sdk:sagemaker:createMonitoringSchedule', 'createMonitoringSchedule'],
    ['arn:aws:states:::aws-sdk:sagemaker:createCluster', 'createCluster'],
  ])('a state that starts SageMaker work of another kind (%s) fails, naming the API', (resource, kind) => {
    const message = synthError(
      (stack) =>
        new sfn.StateMachine(stack, 'Batch', {
          definitionBody: sfn.DefinitionBody.fromChainable(
            new sfn.CustomState(stack, 'Transform', {
              stateJson: { Type: 'Task', Resource: resource, Parameters: TRANSFORM_JOB },
            }),
          ),
        }),
    );
    expectViolation(message, 'MLENV-JOB-KNOWN-KIND', 'Prod/Ml/Batch/Resource');
    expect(message).toContain(`state 'Transform' starts SageMaker work with ${kind} `);
  });

  describe('transform jobs are a kind the pack checks: encrypted output and volume, a time limit, an isolated model', () => {
    /** A model of the template, isolated or not, and a transform of it (CreateTransformJob's fields). */
    const transform = (stack: Stack, options: { isolated?: boolean; job?: Json; timeout?: number } = {}) => {
      const model = new sagemaker.CfnModel(stack, 'Model', {
        executionRoleArn: ROLE,
        containers: [{ modelPackageName: `arn:aws:sagemaker:eu-west-1:${ACCOUNT}:model-package/g/1` }],
        enableNetworkIsolation: options.isolated ?? true,
      });
      const job = options.job ?? {
        ...TRANSFORM_JOB,
        ModelName: model.attrModelName,
        TransformOutput: { S3OutputPath: 's3://data/churn/out/', KmsKeyId: KEY },
        TransformResources: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeKmsKeyId: KEY },
      };
      return new sfn.StateMachine(stack, 'Batch', {
        definitionBody: sfn.DefinitionBody.fromChainable(
          new sfn.CustomState(stack, 'Transform', {
            stateJson: {
              Type: 'Task',
              Resource: 'arn:aws:states:::sagemaker:createTransformJob.sync',
              Parameters: job,
              ...(options.timeout === undefined ? {} : { TimeoutSeconds: options.timeout }),
            },
          }),
        ),
      });
    };

    test('a compliant transform passes', () => {
      expect(() => synth((stack) => transform(stack, { timeout: 3600 }))).not.toThrow();
    });
    test('a transform without a time limit (its Task has no TimeoutSeconds) fails', () => {
      const message = synthError((stack) => transform(stack));
      expectViolation(message, 'MLENV-JOB-LIMITS', 'Prod/Ml/Batch/Resource');
    });
    test('a transform without the output or volume key fails, naming each', () => {
      const message = synthError((stack) => transform(stack, { job: TRANSFORM_JOB, timeout: 3600 }));
      expectViolation(message, 'MLENV-JOB-ENCRYPTION', 'Prod/Ml/Batch/Resource');
      expect(message).toContain('TransformResources.VolumeKmsKeyId');
      expect(message).toContain('TransformOutput.KmsKeyId');
    });
    test('a transform of a model without network isolation, or of a model the pack cannot see, fails', () => {
      expectViolation(
        synthError((stack) => transform(stack, { isolated: false, timeout: 3600 })),
        'MLENV-JOB-ISOLATION',
        'Prod/Ml/Batch/Resource',
      );
      const literal = {
        ...TRANSFORM_JOB,
        TransformOutput: { S3OutputPath: 's3://data/churn/out/', KmsKeyId: KEY },
        TransformResources: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeKmsKeyId: KEY },
      };
      expectViolation(
        synthError((stack) => transform(stack, { job: literal, timeout: 3600 })),
        'MLENV-JOB-ISOLATION',
        'Prod/Ml/Batch/Resource',
      );
    });
  });

  test('reads, stops and the model registry start nothing and pass', () => {
    expect(() =>
      synth((stack) => {
        pipeline(stack);
        const call = (id: string, action: string) =>
          new sfn.CustomState(stack, id, {
            stateJson: {
              Type: 'Task',
              Resource: `arn:aws:states:::aws-sdk:sagemaker:${action}`,
              Parameters: {},
            },
          });
        new sfn.StateMachine(stack, 'Registry', {
          definitionBody: sfn.DefinitionBody.fromChainable(
            call('List', 'listModelPackages')
              .next(call('Describe', 'describeModelPackage'))
              .next(call('Register', 'createModelPackage'))
              .next(call('Stop', 'stopTrainingJob')),
          ),
        });
      }),
    ).not.toThrow();
  });
});
