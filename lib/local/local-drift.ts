import {
  CreateProcessingJobCommand,
  type CreateProcessingJobCommandInput,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
} from '@aws-sdk/client-sagemaker';
import { randomBytes } from 'node:crypto';
import { asObject } from '../../cfn/json-values';
import { dataQualityJobCalls } from '../tools/authorization/monitoring-job-calls';
import type { Delivery } from './event-bus';
import { deliverCheckCompletion } from './monitoring-completion';
import { SILENT_STEPS, type StepRunner } from './emulator-up';
import type { CreateProcessingJobRequest } from '../jobs/job-requests';
import { runProcessingJob } from '../tools/integrations/sagemaker-job/processing-job';
import { S3ObjectStore } from '../ops/s3-object-store';
import type { LocalDeployment } from './local-deployment';
import { uploadCapture } from './local-smoke';
import type { LocalTrainResult } from './local-train';
import { runningServer } from './serving-process';
import { ModelStack } from '../platform/stacks/model-stack';

/** Where Model Monitor's container finds its inputs and puts its report. */
const CONTAINER = {
  endpoint: '/opt/ml/processing/input/endpoint',
  baseline: '/opt/ml/processing/baseline',
  output: '/opt/ml/processing/output',
} as const;

export interface LocalDriftOptions {
  readonly model: string;
  readonly steps?: StepRunner;
  /** Where the jobs' container roots go. */
  readonly workDir?: string;
}

export interface Violation {
  readonly feature_name: string;
  readonly constraint_check_type: string;
  readonly description: string;
}

export interface LocalDriftResult {
  readonly model: string;
  readonly jobName: string;
  readonly exitMessage: string;
  readonly violations: readonly Violation[];
  /** Where the check's report went (`constraint_violations.json`, `statistics.json`). */
  readonly reportUri: string;
  /** The rules the check's completion event reached, and their targets. */
  readonly deliveries: readonly Delivery[];
  /** The retraining the drift rule started (when the environment retrains on drift). */
  readonly retrain?: LocalTrainResult;
}

/**
 * `mlenv local drift`: runs the model's data-quality check as its monitoring schedule would,
 * once: a processing job of the deployed job definition (its role, image, baseline, output and
 * key) over the endpoint's captured data, with the Model Monitor stand-in; writes the report
 * where Model Monitor does (`<output>/<endpoint>/<schedule>/<yyyy>/<mm>/<dd>/<hh>/`); then sends
 * the job's completion event to the deployed rules, which notify and, where the environment
 * retrains on drift, start the training pipeline with the input the rule renders.
 */
export async function localDrift(
  deployment: LocalDeployment,
  options: LocalDriftOptions,
): Promise<LocalDriftResult> {
  const steps = options.steps ?? SILENT_STEPS;
  const model = deployment.model(options.model).name;
  const prefix = ModelStack.pathOf(model, 'DataQuality');
  const definition = deployment.tryResource(`${prefix}/JobDefinition`);
  if (!definition) {
    throw new Error(
      `${model} has no drift monitor in the local environment: serve it first (\`mlenv local serve --model ${model}\`)`,
    );
  }
  const deployed = deployment.authz.inventory.deployed;
  const schedule = deployment.resource(`${prefix}/Schedule`);
  const scheduleName = String(schedule.properties.MonitoringScheduleName);
  const scheduleArn = deployed.ref(schedule);
  const props = definition.properties;
  const endpointName = String(asObject(asObject(props.DataQualityJobInput)?.EndpointInput)?.EndpointName);
  const store = new S3ObjectStore(deployment.clients.s3);

  const server = runningServer(deployment.stateDir, model);
  if (server) await uploadCapture(deployment, server);
  const { sagemaker } = deployment.clients;
  const endpoint = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
  const config = await sagemaker.send(
    new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.EndpointConfigName }),
  );
  const destination = config.DataCaptureConfig?.DestinationS3Uri?.replace(/\/$/, '');
  if (!destination) throw new Error(`${endpointName} captures no data: there is nothing to check`);
  const capturePrefix = `${destination}/${endpointName}/`;
  const captured = await store.list(capturePrefix);
  if (captured.length === 0) {
    throw new Error(
      `no captured data under ${capturePrefix}: send requests with \`mlenv local smoke --model ${model}\``,
    );
  }

  const now = new Date();
  const hour = now.toISOString().slice(0, 13).replace(/[-T]/g, '/');
  // Model Monitor names each run `model-monitoring-<yyyymmddhh>-<hash>`.
  const jobName = `model-monitoring-${hour.replace(/\//g, '')}-${randomBytes(4).toString('hex')}`;
  const output = asObject(props.DataQualityJobOutputConfig);
  const s3Output = asObject(asObject(((output?.MonitoringOutputs as unknown[]) ?? [])[0])?.S3Output);
  const reportUri = `${String(s3Output?.S3Uri).replace(/\/$/, '')}/${endpointName}/${scheduleName}/${hour}`;
  const baseline = asObject(props.DataQualityBaselineConfig);
  const statistics = String(asObject(baseline?.StatisticsResource)?.S3Uri);
  const constraints = String(asObject(baseline?.ConstraintsResource)?.S3Uri);
  if (!baseline || statistics === 'undefined' || constraints === 'undefined') {
    throw new Error(`the drift monitor of ${model} has no baseline: its package has no DriftCheckBaselines`);
  }
  const cluster = asObject(asObject(props.JobResources)?.ClusterConfig) ?? {};
  const request: CreateProcessingJobRequest = {
    ProcessingJobName: jobName,
    RoleArn: String(props.RoleArn),
    AppSpecification: { ImageUri: String(asObject(props.DataQualityAppSpecification)?.ImageUri) },
    Environment: {
      dataset_format: JSON.stringify({ sagemakerCaptureJson: { captureIndexNames: ['endpointInput'] } }),
      dataset_source: CONTAINER.endpoint,
      output_path: CONTAINER.output,
      baseline_statistics: `${CONTAINER.baseline}/statistics/${statistics.split('/').at(-1)}`,
      baseline_constraints: `${CONTAINER.baseline}/constraints/${constraints.split('/').at(-1)}`,
      sagemaker_endpoint_name: endpointName,
      sagemaker_monitoring_schedule_name: scheduleName,
      publish_cloudwatch_metrics: 'Disabled',
    },
    ProcessingInputs: [
      input('endpoint_input', capturePrefix, CONTAINER.endpoint),
      input('baseline_statistics', statistics, `${CONTAINER.baseline}/statistics`),
      input('baseline_constraints', constraints, `${CONTAINER.baseline}/constraints`),
    ],
    ProcessingOutputConfig: {
      KmsKeyId: typeof output?.KmsKeyId === 'string' ? output.KmsKeyId : undefined,
      Outputs: [
        {
          OutputName: 'result',
          S3Output: { S3Uri: reportUri, LocalPath: CONTAINER.output, S3UploadMode: 'EndOfJob' },
        },
      ],
    },
    ProcessingResources: {
      ClusterConfig: {
        InstanceCount: Number(cluster.InstanceCount ?? 1),
        InstanceType: String(cluster.InstanceType),
        VolumeSizeInGB: Number(cluster.VolumeSizeInGB ?? 20),
        ...(cluster.VolumeKmsKeyId ? { VolumeKmsKeyId: String(cluster.VolumeKmsKeyId) } : {}),
      },
    },
    StoppingCondition: {
      MaxRuntimeInSeconds: Number(asObject(props.StoppingCondition)?.MaxRuntimeInSeconds ?? 3600),
    },
  };

  const run = await steps.step(`data-quality check ${jobName}`, async () => {
    const { calls, problems } = dataQualityJobCalls(deployed, deployment.authz.inventory, definition, {
      name: jobName,
      captured,
      reports: [`${reportUri}/statistics.json`, `${reportUri}/constraint_violations.json`],
    });
    if (problems.length > 0) throw new Error(problems.join('; '));
    await deployment.authorize(calls);
    await sagemaker.send(
      new CreateProcessingJobCommand(request as unknown as CreateProcessingJobCommandInput),
    );
    const job = await runProcessingJob(request, {
      store,
      workDir: options.workDir,
      region: deployment.env.region,
    });
    if (job.description.ProcessingJobStatus !== 'Completed') {
      throw new Error(`the data-quality check failed: ${job.description.FailureReason ?? 'no reason given'}`);
    }
    steps.detail(`${captured.length} capture file(s) against ${statistics}`);
    steps.detail(job.description.ExitMessage ?? '(no exit message)');
    return job;
  });
  const report = JSON.parse(
    (await store.get(`${reportUri}/constraint_violations.json`)).toString('utf8'),
  ) as {
    violations?: Violation[];
  };
  const exitMessage = run.description.ExitMessage ?? 'Completed';

  const { deliveries, retrain } = await deliverCheckCompletion(
    deployment,
    {
      jobName,
      jobArn: run.description.ProcessingJobArn,
      exitMessage,
      scheduleArn,
      roleArn: request.RoleArn,
    },
    { steps, workDir: options.workDir },
  );
  return {
    model,
    jobName,
    exitMessage,
    violations: report.violations ?? [],
    reportUri,
    deliveries,
    retrain,
  };
}

function input(name: string, s3Uri: string, localPath: string) {
  return {
    InputName: name,
    S3Input: { S3Uri: s3Uri, LocalPath: localPath, S3DataType: 'S3Prefix', S3InputMode: 'File' },
  };
}
