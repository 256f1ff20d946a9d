import {
  CreateProcessingJobCommand,
  type CreateProcessingJobCommandInput,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
} from '@aws-sdk/client-sagemaker';
import { randomBytes } from 'node:crypto';
import { asObject, type JsonObject } from '../../cfn/json-values';
import { modelQualityJobCalls } from '../tools/authorization/monitoring-job-calls';
import type { Delivery } from './event-bus';
import { deliverCheckCompletion } from './monitoring-completion';
import { SILENT_STEPS, type StepRunner } from './emulator-up';
import type { CreateProcessingJobRequest } from '../jobs/job-requests';
import { runProcessingJob } from '../tools/integrations/sagemaker-job/processing-job';
import { S3ObjectStore } from '../ops/s3-object-store';
import { type PushedLabels, pushLabels } from '../ops/ground-truth';
import type { LocalDeployment } from './local-deployment';
import { uploadCapture } from './local-smoke';
import type { LocalTrainResult } from './local-train';
import { runningServer } from './serving-process';
import { ModelStack } from '../platform/stacks/model-stack';

/** Where Model Monitor's container finds its inputs and puts its report. */
const CONTAINER = {
  endpoint: '/opt/ml/processing/input/endpoint',
  groundTruth: '/opt/ml/processing/groundtruth',
  baseline: '/opt/ml/processing/baseline',
  output: '/opt/ml/processing/output',
} as const;

export interface LocalQualityOptions {
  readonly model: string;
  readonly steps?: StepRunner;
  /** Where the jobs' container roots go. */
  readonly workDir?: string;
  /**
   * What a rule that starts the training pipeline does: `run` the execution to its end, or
   * `record` the start it asked for (its rendered input) without running it (the lifecycle,
   * whose drift check retrains on the same dataset version right after). @default 'run'
   */
  readonly retraining?: 'run' | 'record';
}

/** One metric of the check against its constraint. */
export interface QualityMetric {
  readonly metric: string;
  readonly value: number;
}

export interface QualityViolation {
  readonly metric_name: string;
  readonly constraint_check_type: string;
  readonly description: string;
}

export interface LocalQualityResult {
  readonly model: string;
  readonly jobName: string;
  readonly exitMessage: string;
  /** Labelled captured requests the metrics are computed on. */
  readonly items: number;
  readonly metrics: readonly QualityMetric[];
  readonly violations: readonly QualityViolation[];
  /** Where the check's report went (`statistics.json`, `constraint_violations.json`). */
  readonly reportUri: string;
  /** The rules the check's completion event reached, and their targets. */
  readonly deliveries: readonly Delivery[];
  /** The training pipeline start a rule asked for (its input), run or recorded. */
  readonly retrainInput?: JsonObject;
  /** The retraining it ran, when `retraining: 'run'`. */
  readonly retrain?: LocalTrainResult;
}

/**
 * `mlenv local quality`: runs the model's model-quality check as its monitoring schedule would,
 * once: a processing job of the deployed job definition (its role, image, constraints, ground
 * truth, output and key) over the endpoint's captured data and the labels pushed for it, with the
 * Model Monitor stand-in; writes the report where Model Monitor does
 * (`<output>/<endpoint>/<schedule>/<yyyy>/<mm>/<dd>/<hh>/`); then sends the job's completion event
 * to the deployed rules, which notify and, where `modelQuality.retrain` is on, start the training
 * pipeline with the input the rule renders.
 */
export async function localQuality(
  deployment: LocalDeployment,
  options: LocalQualityOptions,
): Promise<LocalQualityResult> {
  const steps = options.steps ?? SILENT_STEPS;
  const model = deployment.model(options.model).name;
  const found = qualityMonitorOf(deployment, model);
  const { definition, scheduleName, scheduleArn, endpointName, groundTruthUri } = found;
  const props = definition.properties;
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
  const groundTruthPrefix = `${groundTruthUri.replace(/\/$/, '')}/`;
  const labels = await store.list(groundTruthPrefix);
  if (labels.length === 0) {
    throw new Error(
      `no ground truth under ${groundTruthPrefix}: push labels of the captured requests with \`mlenv data labels push local <csv> --model ${model}\``,
    );
  }

  const now = new Date();
  const hour = now.toISOString().slice(0, 13).replace(/[-T]/g, '/');
  // Model Monitor names each run `model-monitoring-<yyyymmddhh>-<hash>`.
  const jobName = `model-monitoring-${hour.replace(/\//g, '')}-${randomBytes(4).toString('hex')}`;
  const output = asObject(props.ModelQualityJobOutputConfig);
  const s3Output = asObject(asObject(((output?.MonitoringOutputs as unknown[]) ?? [])[0])?.S3Output);
  const reportUri = `${String(s3Output?.S3Uri).replace(/\/$/, '')}/${endpointName}/${scheduleName}/${hour}`;
  const constraints = String(
    asObject(asObject(props.ModelQualityBaselineConfig)?.ConstraintsResource)?.S3Uri,
  );
  if (!constraints.startsWith('s3://')) {
    throw new Error(`the model-quality monitor of ${model} has no constraints: nothing can be violated`);
  }
  const app = asObject(props.ModelQualityAppSpecification) ?? {};
  const endpointInput = asObject(asObject(props.ModelQualityJobInput)?.EndpointInput) ?? {};
  const cluster = asObject(asObject(props.JobResources)?.ClusterConfig) ?? {};
  const optional = (name: string, value: unknown) => (value === undefined ? {} : { [name]: String(value) });
  const request: CreateProcessingJobRequest = {
    ProcessingJobName: jobName,
    RoleArn: String(props.RoleArn),
    AppSpecification: { ImageUri: String(app.ImageUri) },
    Environment: {
      analysis_type: 'MODEL_QUALITY',
      problem_type: String(app.ProblemType),
      dataset_source: CONTAINER.endpoint,
      ground_truth_source: CONTAINER.groundTruth,
      output_path: CONTAINER.output,
      baseline_constraints: `${CONTAINER.baseline}/constraints/${constraints.split('/').at(-1)}`,
      inference_attribute: String(endpointInput.InferenceAttribute),
      ...optional('probability_attribute', endpointInput.ProbabilityAttribute),
      ...optional('probability_threshold_attribute', endpointInput.ProbabilityThresholdAttribute),
      sagemaker_endpoint_name: endpointName,
      sagemaker_monitoring_schedule_name: scheduleName,
      publish_cloudwatch_metrics: 'Disabled',
    },
    ProcessingInputs: [
      input('endpoint_input', capturePrefix, CONTAINER.endpoint),
      input('ground_truth_input', groundTruthPrefix, CONTAINER.groundTruth),
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

  const run = await steps.step(`model-quality check ${jobName}`, async () => {
    const { calls, problems } = modelQualityJobCalls(
      deployment.authz.inventory.deployed,
      deployment.authz.inventory,
      definition,
      {
        name: jobName,
        captured,
        groundTruth: labels,
        reports: [`${reportUri}/statistics.json`, `${reportUri}/constraint_violations.json`],
      },
    );
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
      throw new Error(
        `the model-quality check failed: ${job.description.FailureReason ?? 'no reason given'}`,
      );
    }
    steps.detail(`${captured.length} capture file(s) joined with ${labels.length} ground-truth file(s)`);
    steps.detail(job.description.ExitMessage ?? '(no exit message)');
    return job;
  });
  const statistics = JSON.parse((await store.get(`${reportUri}/statistics.json`)).toString('utf8')) as Record<
    string,
    unknown
  >;
  const report = JSON.parse(
    (await store.get(`${reportUri}/constraint_violations.json`)).toString('utf8'),
  ) as { violations?: QualityViolation[] };
  const exitMessage = run.description.ExitMessage ?? 'Completed';

  const { deliveries, retrain, retrainInput } = await deliverCheckCompletion(
    deployment,
    {
      jobName,
      jobArn: run.description.ProcessingJobArn,
      exitMessage,
      scheduleArn,
      roleArn: request.RoleArn,
    },
    { steps, workDir: options.workDir, retraining: options.retraining },
  );
  const group = Object.entries(statistics).find(([key]) => key.endsWith('_metrics'))?.[1] as
    Record<string, { value?: unknown }> | undefined;
  return {
    model,
    jobName,
    exitMessage,
    items: Number(asObject(statistics.dataset as JsonObject)?.item_count ?? 0),
    metrics: Object.entries(group ?? {})
      .filter(([, v]) => typeof v?.value === 'number')
      .map(([metric, v]) => ({ metric, value: v.value as number })),
    violations: report.violations ?? [],
    reportUri,
    deliveries,
    retrainInput,
    retrain,
  };
}

/** The deployed model-quality monitor of a model: its job definition, schedule, endpoint, ground truth. */
export function qualityMonitorOf(deployment: LocalDeployment, model: string) {
  const prefix = ModelStack.pathOf(model, 'ModelQuality');
  const definition = deployment.tryResource(`${prefix}/JobDefinition`);
  if (!definition) {
    throw new Error(
      `${model} has no model-quality monitor in the local environment: serve it first (\`mlenv local serve --model ${model}\`)`,
    );
  }
  const schedule = deployment.resource(`${prefix}/Schedule`);
  const jobInput = asObject(definition.properties.ModelQualityJobInput);
  return {
    definition,
    scheduleName: String(schedule.properties.MonitoringScheduleName),
    scheduleArn: deployment.authz.inventory.deployed.ref(schedule),
    endpointName: String(asObject(jobInput?.EndpointInput)?.EndpointName),
    groundTruthUri: String(asObject(jobInput?.GroundTruthS3Input)?.S3Uri),
    kmsKeyId: asObject(definition.properties.ModelQualityJobOutputConfig)?.KmsKeyId as string | undefined,
  };
}

/**
 * Labels that make the served model look degraded: the opposite of each prediction (binary),
 * another class (multiclass), the prediction moved far away (regression). A CSV of
 * `inference_id,label`, for `mlenv data labels push`.
 */
export function degradedLabels(
  problemType: string,
  inferences: ReadonlyArray<{ readonly inferenceId: string; readonly prediction: unknown }>,
): string {
  const label = (prediction: unknown, i: number): string => {
    const p = prediction as { label?: number; score?: number; scores?: number[] };
    if (problemType === 'binary_classification') return String(1 - Number(p.label));
    if (problemType === 'multiclass_classification')
      return String((Number(p.label) + 1) % Math.max(2, p.scores?.length ?? 2));
    // Far from every prediction, alternating sides: the predictions explain none of the variance.
    return String(Number(p.score) + (i % 2 === 0 ? 1 : -1) * 1000);
  };
  return (
    ['inference_id,label', ...inferences.map((x, i) => `${x.inferenceId},${label(x.prediction, i)}`)].join(
      '\n',
    ) + '\n'
  );
}

/** Pushes labels for a local model, as `mlenv data labels push local` does. */
export async function pushLocalLabels(
  deployment: LocalDeployment,
  model: string,
  csv: string,
): Promise<PushedLabels> {
  const config = deployment.model(model);
  const { groundTruthUri, kmsKeyId } = qualityMonitorOf(deployment, config.name);
  const bucket = groundTruthUri.replace(/^s3:\/\//, '').split('/')[0];
  return pushLabels(deployment.clients.s3, csv, {
    model: config.name,
    problemType: config.problemType,
    targetColumn: config.targetColumn,
    source: 'the degraded labels',
    bucket,
    kmsKeyId,
  });
}

function input(name: string, s3Uri: string, localPath: string) {
  return {
    InputName: name,
    S3Input: { S3Uri: s3Uri, LocalPath: localPath, S3DataType: 'S3Prefix', S3InputMode: 'File' },
  };
}
