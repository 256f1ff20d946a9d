import { asList, asObject } from '../../../cfn/json-values';
import { parseS3Uri } from '../../ops/s3-uri';
import type { DeployedAssembly, DeployedResource } from '../calls/deployed-assembly';
import type { PolicyInventory } from '../calls/policy-inventory';
import type { DerivedCalls } from '../calls/run-time-call';
import { jobArn, jobCalls, type SageMakerJob } from '../integrations/sagemaker-job/job-calls';

/** Model Monitor publishes data-quality metrics of endpoints to this namespace. */
const DATA_QUALITY_METRICS = 'aws/sagemaker/Endpoints/data-metrics';

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
  /** A real run: its job name, the captured objects it reads, the reports it writes. @default a sample run */
  run?: { readonly name: string; readonly captured: readonly string[]; readonly reports: readonly string[] },
): DerivedCalls {
  const { stage, properties, path } = definition;
  const endpointName = asObject(asObject(properties.DataQualityJobInput)?.EndpointInput)?.EndpointName;
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
  const baseline = asObject(properties.DataQualityBaselineConfig);
  const output = asObject(properties.DataQualityJobOutputConfig);
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
    images: [String(asObject(properties.DataQualityAppSpecification)?.ImageUri)],
    inVpc: asObject(asObject(properties.NetworkConfig)?.VpcConfig) !== undefined,
    metricsNamespace: DATA_QUALITY_METRICS,
  };
  return { calls: jobCalls(inventory, stage, job, path, 'monitoring'), problems: [] };
}
