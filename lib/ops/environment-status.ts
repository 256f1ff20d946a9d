import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { DescribeEndpointCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import { ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { ModelLayout } from '../../constructs';
import type { ObjectStore } from './object-store';
import type { EnvironmentDirectory } from './environment-directory';

export interface ModelStatus {
  readonly model: string;
  readonly endpoint?: {
    readonly name: string;
    readonly status: string;
    readonly variants: ReadonlyArray<{
      readonly name: string;
      readonly instances?: number;
      readonly weight?: number;
    }>;
    readonly pinnedPackage?: string;
    /**
     * Whether a process on this machine answers for it, in an environment whose endpoints are
     * stand-ins (local): an InService endpoint there serves only while its stand-in runs.
     */
    readonly servedHere?: boolean;
  };
  readonly executions: ReadonlyArray<{
    readonly name: string;
    readonly status: string;
    readonly startDate?: string;
  }>;
  /** The newest drift check report of the model's endpoint, with its violations. */
  readonly drift?: { readonly report: string; readonly checkedAt?: string; readonly violations: number };
  /**
   * The newest model-quality check of the model's endpoint (its captured predictions joined with
   * the labels pushed for them): the gate's metric as measured, the gate, and the violations.
   */
  readonly quality?: {
    readonly report: string;
    readonly checkedAt?: string;
    readonly violations: number;
    /** Labelled requests the metrics were computed on. */
    readonly items?: number;
    readonly metric?: string;
    readonly value?: number;
    /** The gate the model is held to, `auc >= 0.9`. */
    readonly gate?: string;
  };
}

export interface EnvironmentStatus {
  readonly environment: string;
  readonly models: readonly ModelStatus[];
  /** Alarms of the environment in ALARM. */
  readonly alarms: ReadonlyArray<{ readonly name: string; readonly reason?: string }>;
}

export interface StatusOptions {
  /** How many recent executions per model. @default 5 */
  readonly executions?: number;
  /**
   * For an environment whose endpoints are served by processes on this machine (local): whether
   * `endpointName` of `model` is served now. Without it, an endpoint's status is the API's alone.
   */
  readonly servedHere?: (model: string, endpointName: string) => boolean;
  /** Each model's quality gate, which its model-quality checks measure it against. */
  readonly qualityGates?: Readonly<
    Record<string, { readonly metric: string; readonly operator: string; readonly threshold: number }>
  >;
}

export interface StatusClients {
  readonly sagemaker: Pick<SageMakerClient, 'send'>;
  readonly sfn: Pick<SFNClient, 'send'>;
  readonly s3: Pick<S3Client, 'send'>;
  readonly store: Pick<ObjectStore, 'get'>;
  readonly cloudwatch: Pick<CloudWatchClient, 'send'>;
}

/**
 * What runs in an environment: per model its endpoint (status, variants, pinned package), its
 * recent pipeline executions and its newest drift findings; the alarms in ALARM whose actions
 * notify the environment's alert topic (so only this environment's). With `servedHere`, each
 * endpoint says whether a process on this machine serves it (local stand-ins).
 */
export async function environmentStatus(
  clients: StatusClients,
  directory: EnvironmentDirectory,
  options: StatusOptions = {},
): Promise<EnvironmentStatus> {
  const models = await Promise.all(
    Object.entries(directory.models).map(async ([model, names]): Promise<ModelStatus> => {
      const executions = await clients.sfn.send(
        new ListExecutionsCommand({
          stateMachineArn: names.pipelineArn,
          maxResults: options.executions ?? 5,
        }),
      );
      let endpoint: ModelStatus['endpoint'];
      if (names.endpointName) {
        const described = await clients.sagemaker.send(
          new DescribeEndpointCommand({ EndpointName: names.endpointName }),
        );
        endpoint = {
          name: names.endpointName,
          status: described.EndpointStatus ?? 'Unknown',
          variants: (described.ProductionVariants ?? []).map((v) => ({
            name: v.VariantName ?? '?',
            instances: v.CurrentInstanceCount,
            weight: v.CurrentWeight,
          })),
          pinnedPackage: directory.pins[model]?.modelPackageArn,
          ...(options.servedHere ? { servedHere: options.servedHere(model, names.endpointName) } : {}),
        };
      }
      return {
        model,
        endpoint,
        executions: (executions.executions ?? []).map((e) => ({
          name: e.name ?? '?',
          status: e.status ?? '?',
          startDate: e.startDate?.toISOString(),
        })),
        drift: await newestDriftReport(clients, directory.buckets.monitoring, model),
        quality: await newestQualityReport(
          clients,
          directory.buckets.monitoring,
          model,
          options.qualityGates?.[model],
        ),
      };
    }),
  );
  const alarms = await clients.cloudwatch.send(
    new DescribeAlarmsCommand({ StateValue: 'ALARM', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
  );
  const ours = [...(alarms.MetricAlarms ?? []), ...(alarms.CompositeAlarms ?? [])].filter((a) =>
    (a.AlarmActions ?? []).includes(directory.alertTopicArn),
  );
  return {
    environment: directory.environment,
    models,
    alarms: ours.map((a) => ({ name: a.AlarmName ?? '?', reason: a.StateReason })),
  };
}

/** The newest `constraint_violations.json` under the model's data-quality reports. */
async function newestDriftReport(
  clients: StatusClients,
  bucket: string,
  model: string,
): Promise<ModelStatus['drift']> {
  const newest = await newestReport(clients, bucket, new ModelLayout(model).dataQualityDir);
  if (!newest) return undefined;
  const report = `s3://${bucket}/${newest.key}`;
  const { violations } = JSON.parse((await clients.store.get(report)).toString('utf8')) as {
    violations?: unknown[];
  };
  return { report, checkedAt: newest.at?.toISOString(), violations: violations?.length ?? 0 };
}

/** The newest model-quality report: its violations and, from the `statistics.json` beside it, the gate's metric. */
async function newestQualityReport(
  clients: StatusClients,
  bucket: string,
  model: string,
  gate?: { readonly metric: string; readonly operator: string; readonly threshold: number },
): Promise<ModelStatus['quality']> {
  const newest = await newestReport(clients, bucket, new ModelLayout(model).modelQualityDir);
  if (!newest) return undefined;
  const report = `s3://${bucket}/${newest.key}`;
  const { violations } = JSON.parse((await clients.store.get(report)).toString('utf8')) as {
    violations?: unknown[];
  };
  let statistics: Record<string, unknown> = {};
  try {
    const uri = report.replace(/constraint_violations\.json$/, 'statistics.json');
    statistics = JSON.parse((await clients.store.get(uri)).toString('utf8')) as Record<string, unknown>;
  } catch {
    // A report without its statistics still says whether the gate held.
  }
  const group = Object.entries(statistics).find(([key]) => key.endsWith('_metrics'))?.[1] as
    Record<string, { value?: unknown }> | undefined;
  const value = gate ? group?.[gate.metric]?.value : undefined;
  const items = (statistics.dataset as { item_count?: unknown } | undefined)?.item_count;
  return {
    report,
    checkedAt: newest.at?.toISOString(),
    violations: violations?.length ?? 0,
    ...(typeof items === 'number' ? { items } : {}),
    ...(gate ? { metric: gate.metric, gate: `${gate.metric} ${gate.operator} ${gate.threshold}` } : {}),
    ...(typeof value === 'number' ? { value } : {}),
  };
}

/** The newest `constraint_violations.json` under a folder of reports in the monitoring bucket. */
async function newestReport(
  clients: StatusClients,
  bucket: string,
  dir: string,
): Promise<{ key: string; at?: Date } | undefined> {
  let newest: { key: string; at?: Date } | undefined;
  let token: string | undefined;
  do {
    const page = await clients.s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: `${dir}/`,
        ContinuationToken: token,
      }),
    );
    for (const o of page.Contents ?? []) {
      if (!o.Key?.endsWith('/constraint_violations.json')) continue;
      // The newest by time; reports of the same second by key (their paths end in the hour).
      const at = o.LastModified?.getTime() ?? 0;
      const current = newest?.at?.getTime() ?? 0;
      if (!newest || at > current || (at === current && o.Key > newest.key)) {
        newest = { key: o.Key, at: o.LastModified };
      }
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return newest;
}
