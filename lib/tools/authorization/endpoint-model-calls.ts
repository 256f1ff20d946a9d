import { asList, asObject, type JsonObject } from '../../../cfn/json-values';
import { endpointLogGroupName, ModelLayout, sageMakerInferenceSourceArn } from '../../../constructs';
import { parseArn } from '../calls/arns';
import type { DeployedAssembly, DeployedResource } from '../calls/deployed-assembly';
import type { Registration } from './model-registrations';
import type { PolicyInventory } from '../calls/policy-inventory';
import { type DerivedCalls, origin, type RunTimeCall } from '../calls/run-time-call';
import {
  assumedBySageMaker,
  containerLogCalls,
  imagePullCalls,
  metricCalls,
  vpcPlacementCalls,
} from '../calls/sagemaker-runtime-calls';
import { s3ReadCalls, s3WriteCalls } from '../calls/s3-object-calls';
import { parseS3Uri } from '../../ops/s3-uri';

/** Where an endpoint serves a model: the endpoint's name, the variant, its endpoint config. */
export interface ModelPlacement {
  readonly endpointName: string;
  readonly variantName: string;
  readonly config: DeployedResource;
  /** The variant is the config's shadow variant (it gets copies of requests and answers nobody). */
  readonly shadow: boolean;
}

/**
 * Every request a SageMaker model makes through its execution role: reading its model data
 * (from the container, or from the package it names, as that package's registration in the
 * same stage says), pulling its images, and for each endpoint variant that serves it, its logs,
 * metrics and data capture.
 */
export function endpointModelCalls(
  deployed: DeployedAssembly,
  inventory: PolicyInventory,
  model: DeployedResource,
  registrations: readonly Registration[],
): DerivedCalls {
  const { stage, properties, path } = model;
  const roleArn = String(properties.ExecutionRoleArn);
  const caller = (detail: string) => ({ stage: stage.id, principal: roleArn, ...origin(path, detail) });
  const problems: string[] = [];
  const containers = asList(properties.Containers ?? properties.PrimaryContainer).flatMap((value) => {
    const container = asObject(value) ?? {};
    const packageArn = container.ModelPackageName;
    if (typeof packageArn !== 'string') return [container];
    const group = parseArn(packageArn)?.resource.split('/')[1];
    const registration = registrations.find((r) => r.stage === stage && r.groupName.toLowerCase() === group);
    if (!registration) {
      problems.push(`${stage.id}/${path}: no pipeline of ${stage.id} registers packages of ${packageArn}`);
      return [];
    }
    return asList(asObject(registration.request.InferenceSpecification)?.Containers).map(
      (c) => asObject(c) ?? {},
    );
  });
  // SageMaker inference's documented source: the account's literal `arn:...:sagemaker:<region>:<account>:*`.
  const calls: RunTimeCall[] = [
    assumedBySageMaker(
      caller('role'),
      stage,
      sageMakerInferenceSourceArn(stage.partition, stage.region, stage.account),
    ),
  ];
  for (const container of containers) {
    if (typeof container.ModelDataUrl === 'string') {
      calls.push(...s3ReadCalls(inventory, caller('model data'), container.ModelDataUrl));
    }
    if (typeof container.Image === 'string')
      calls.push(...imagePullCalls(caller('image'), stage, container.Image));
  }
  if (asObject(properties.VpcConfig)) calls.push(...vpcPlacementCalls(caller('VPC placement')));
  for (const placement of placementsOf(deployed, model)) {
    const where = `on ${placement.endpointName} ${placement.variantName}`;
    calls.push(
      ...containerLogCalls(
        caller(`logs ${where}`),
        stage,
        endpointLogGroupName(placement.endpointName),
        `${placement.variantName}/i-0123456789abcdef0`,
      ),
      ...metricCalls(caller(`metrics ${where}`), '/aws/sagemaker/Endpoints'),
    );
    const capture = asObject(placement.config.properties.DataCaptureConfig);
    if (capture && capture.EnableCapture !== false && typeof capture.DestinationS3Uri === 'string') {
      // SageMaker's documented layout of captured data.
      const object = `${capture.DestinationS3Uri.replace(/\/$/, '')}/${placement.endpointName}/${placement.variantName}/2026/11/30/10/capture.jsonl`;
      calls.push(
        ...s3WriteCalls(
          inventory,
          caller(`data capture ${where}`),
          object,
          inventory.keyArn(capture.KmsKeyId, stage),
        ),
      );
    }
    const output = asObject(asObject(placement.config.properties.AsyncInferenceConfig)?.OutputConfig);
    if (output && !placement.shadow) calls.push(...asyncCalls(inventory, caller, stage, output, where));
  }
  return { calls, problems };
}

/**
 * An asynchronous variant's model, as SageMaker runs it with the endpoint's role: it reads each
 * request from the model's input prefix (ModelLayout's, beside the output path), writes the answer
 * (`<inference id>.out`) or the failure (`<inference id>-error.out`) with the output key, and
 * publishes the success or error notification (to an encrypted topic: with its key, through SNS).
 */
function asyncCalls(
  inventory: PolicyInventory,
  caller: (detail: string) => Pick<RunTimeCall, 'stage' | 'principal' | 'origin' | 'originPath'>,
  stage: DeployedAssembly['stages'][number],
  output: JsonObject,
  where: string,
): RunTimeCall[] {
  const calls: RunTimeCall[] = [];
  const key = inventory.keyArn(output.KmsKeyId, stage);
  const id = '4f0c2d8e-1b7a-9c35-0000-000000000001';
  if (typeof output.S3OutputPath === 'string') {
    const { bucket, key: prefix } = parseS3Uri(output.S3OutputPath);
    const model = prefix.split('/')[0];
    const input = `s3://${bucket}/${new ModelLayout(model).asyncInputDir}/request-${id}.csv`;
    calls.push(...s3ReadCalls(inventory, caller(`async input ${where}`), input));
    const answer = `${output.S3OutputPath.replace(/\/$/, '')}/${id}.out`;
    calls.push(...s3WriteCalls(inventory, caller(`async output ${where}`), answer, key));
  }
  if (typeof output.S3FailurePath === 'string') {
    const failure = `${output.S3FailurePath.replace(/\/$/, '')}/${id}-error.out`;
    calls.push(...s3WriteCalls(inventory, caller(`async failure ${where}`), failure, key));
  }
  const notification = asObject(output.NotificationConfig) ?? {};
  for (const [what, topicArn] of [
    ['success', notification.SuccessTopic],
    ['error', notification.ErrorTopic],
  ] as const) {
    if (typeof topicArn !== 'string') continue;
    const as = caller(`async ${what} notification ${where}`);
    calls.push({ ...as, action: 'sns:Publish', resource: topicArn });
    const topicKey = inventory.topics.get(topicArn)?.kmsKeyArn;
    for (const action of topicKey ? ['kms:GenerateDataKey', 'kms:Decrypt'] : []) {
      calls.push({
        ...as,
        action,
        resource: topicKey!,
        context: {
          'kms:ViaService': `sns.${stage.region}.amazonaws.com`,
          'kms:CallerAccount': stage.account,
          'kms:EncryptionContext:aws:sns:topicArn': topicArn,
        },
      });
    }
  }
  return calls;
}

/** The endpoint variants that serve `model`, through the endpoint configs that name it. */
export function placementsOf(deployed: DeployedAssembly, model: DeployedResource): ModelPlacement[] {
  const modelName = deployed.attribute(model, 'ModelName');
  return deployed.ofType('AWS::SageMaker::EndpointConfig', model.stage).flatMap((config) => {
    const configName = deployed.attribute(config, 'EndpointConfigName');
    const variantsOf = (field: string, shadow: boolean) =>
      asList(config.properties[field])
        .map((v) => asObject(v) ?? ({} as JsonObject))
        .filter((v) => v.ModelName === modelName)
        .map((variant) => ({ variant, shadow }));
    const variants = [
      ...variantsOf('ProductionVariants', false),
      ...variantsOf('ShadowProductionVariants', true),
    ];
    return deployed
      .ofType('AWS::SageMaker::Endpoint', model.stage)
      .filter((endpoint) => endpoint.properties.EndpointConfigName === configName)
      .flatMap((endpoint) =>
        variants.map(({ variant, shadow }) => ({
          endpointName: deployed.attribute(endpoint, 'EndpointName'),
          variantName: String(variant.VariantName),
          config,
          shadow,
        })),
      );
  });
}
