import { asList, asObject } from '../../../cfn/json-values';
import { parseS3Uri } from '../../ops/s3-uri';
import type { DeployedAssembly, DeployedResource } from '../calls/deployed-assembly';
import type { PolicyInventory } from '../calls/policy-inventory';
import type { DerivedCalls } from '../calls/run-time-call';
import { jobArn, jobCalls, type SageMakerJob } from '../integrations/sagemaker-job/job-calls';

/** Model Monitor publishes each kind of check's metrics of endpoints to its namespace. */
const METRICS_NAMESPACES = {
  DataQuality: 'aws/sagemaker/Endpoints/data-metrics',
  ModelQuality: 'aws/sagemaker/Endpoints/model-metrics',
} as const;

/** A real run: its job name, the captured objects (and ground truth) it reads, the reports it writes. */
export interface MonitoringRun {
  readonly name: string;
  readonly captured: readonly string[];
  readonly reports: readonly string[];
  /** The ground-truth objects a model-quality run reads. */
  readonly groundTruth?: readonly string[];
}

/**
 * Every request a data-quality monitoring job makes through its role, as a run of its schedule
 * would: reading the endpoint's captured data (`<capture destination>/<endpoint>/<variant>/...`)
 * and the baseline statistics and constraints, writing its report, plus what every SageMaker job
 * does (volume key, logs, metrics, image, VPC). A run is a processing job SageMaker names
 * `model-monitoring-<hour>-<hash>`.
 */
export function dataQualityJobCalls(
  deployed: DeployedAssembly,
  inventory: PolicyInventory,
  definition: DeployedResource,
  /** A real run. @default a sample run */
  run?: MonitoringRun,
): DerivedCalls {
  return monitoringJobCalls('DataQuality', deployed, inventory, definition, run);
}

/**
 * Every request a model-quality monitoring job makes through its role: what a data-quality job
 * does (captured data, constraints, report, volume key, logs, metrics, image, VPC), plus reading
 * the ground truth pushed for the model (`GroundTruthS3Input`, in hourly folders).
 */
export function modelQualityJobCalls(
  deployed: DeployedAssembly,
  inventory: PolicyInventory,
  definition: DeployedResource,
  /** A real run. @default a sample run */
  run?: MonitoringRun,
): DerivedCalls {
  return monitoringJobCalls('ModelQuality', deployed, inventory, definition, run);
}

function monitoringJobCalls(
  kind: keyof typeof METRICS_NAMESPACES,
  deployed: DeployedAssembly,
  inventory: PolicyInventory,
  definition: DeployedResource,
  run?: MonitoringRun,
): DerivedCalls {
  const { stage, properties, path } = definition;
  const jobInput = asObject(properties[`${kind}JobInput`]);
  const endpointName = asObject(jobInput?.EndpointInput)?.EndpointName;
  const endpoint = deployed
    .ofType('AWS::SageMaker::Endpoint', stage)
    .find((e) => deployed.attribute(e, 'EndpointName') === endpointName);
  const config = deployed
    .ofType('AWS::SageMaker::EndpointConfig', stage)
    .find((c) => deployed.attribute(c, 'EndpointConfigName') === endpoint?.properties.EndpointConfigName);
  const capture = asObject(config?.properties.DataCaptureConfig);
  if (!endpoint || !config || typeof capture?.DestinationS3Uri !== 'string') {
    return {
      calls: [],
      problems: [
        `${stage.id}/${path}: no endpoint with data capture named ${String(endpointName)} in ${stage.id}`,
      ],
    };
  }
  const captured = `${capture.DestinationS3Uri.replace(/\/$/, '')}/${String(endpointName)}/`;
  const baseline = asObject(properties[`${kind}BaselineConfig`]);
  const output = asObject(properties[`${kind}JobOutputConfig`]);
  const groundTruth = asObject(jobInput?.GroundTruthS3Input)?.S3Uri;
  const groundTruthPrefix =
    typeof groundTruth === 'string' ? `${groundTruth.replace(/\/$/, '')}/` : undefined;
  const name = run?.name ?? 'model-monitoring-202611301000-0123abcd';
  const job: SageMakerJob = {
    kind: 'processing',
    name,
    arn: jobArn(stage, 'processing-job', name),
    roleArn: String(properties.RoleArn),
    reads: [
      ...(run
        ? run.captured.map((uri) => ({ channel: 'captured data', uri, listPrefix: parseS3Uri(captured).key }))
        : asList(config.properties.ProductionVariants).map((variant) => ({
            channel: `captured data of ${String(asObject(variant)?.VariantName)}`,
            uri: `${captured}${String(asObject(variant)?.VariantName)}/2026/11/30/09/capture.jsonl`,
            listPrefix: parseS3Uri(captured).key,
          }))),
      ...['StatisticsResource', 'ConstraintsResource'].flatMap((resource) => {
        const uri = asObject(baseline?.[resource])?.S3Uri;
        return typeof uri === 'string' ? [{ channel: `baseline ${resource}`, uri }] : [];
      }),
      ...(groundTruthPrefix
        ? (run?.groundTruth ?? [`${groundTruthPrefix}2026/11/30/09/labels.jsonl`]).map((uri) => ({
            channel: 'ground truth',
            uri,
            listPrefix: parseS3Uri(groundTruthPrefix).key,
          }))
        : []),
    ],
    writes: (run
      ? run.reports
      : asList(output?.MonitoringOutputs).flatMap((item) => {
          const uri = asObject(asObject(item)?.S3Output)?.S3Uri;
          return typeof uri === 'string' ? [uri] : [];
        })
    ).map((uri) => ({ channel: 'report', uri, kmsKeyArn: inventory.keyArn(output?.KmsKeyId, stage) })),
    volumeKeyArn: inventory.keyArn(
      asObject(asObject(properties.JobResources)?.ClusterConfig)?.VolumeKmsKeyId,
      stage,
    ),
    images: [String(asObject(properties[`${kind}AppSpecification`])?.ImageUri)],
    inVpc: asObject(asObject(properties.NetworkConfig)?.VpcConfig) !== undefined,
    metricsNamespace: METRICS_NAMESPACES[kind],
  };
  return { calls: jobCalls(inventory, stage, job, path, 'monitoring'), problems: [] };
}
