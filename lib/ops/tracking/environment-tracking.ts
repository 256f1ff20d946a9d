import { type EnvironmentConfig, trackingServerName } from '../../../config';
import { partitionOf } from '../../../cfn/deployed-names';
import { trackingServerArn } from '../../../constructs';
import { LOCAL_ENVIRONMENT } from '../../../config';
import { type MlflowFetch, MlflowRestClient } from './mlflow-rest-client';
import {
  type AwsCredentialsSource,
  trackingServerSigner,
  trackingServerUrl,
} from './sagemaker-mlflow-access';

/**
 * Where an environment's training runs are recorded: the local environment's MLflow server on
 * loopback (`mlenv local up` starts it), an AWS environment's SageMaker managed tracking server
 * (`tracking.server: 'managed'`), or nowhere (`tracking.server: 'none'`).
 */

/** The ARN of the environment's managed tracking server (`trackingServerName`), in `region`. */
export function environmentTrackingServerArn(
  project: string,
  env: EnvironmentConfig,
  region = env.region,
): string {
  return trackingServerArn(
    { partition: partitionOf(region), region, account: env.account },
    trackingServerName({ project, environment: env }),
  );
}

/** What reaching an environment's tracking server takes; each is asked for only where it is needed. */
export interface TrackingAccess {
  /** The region to call (`--region`). @default the environment's */
  readonly region?: string;
  /** AWS credentials for a managed server (an SDK client's `config.credentials`). */
  readonly credentials: () => Promise<AwsCredentialsSource>;
  /** The address of the running local MLflow server, or undefined when it does not run. */
  readonly localServerUrl: () => Promise<string | undefined>;
  /** @default the global `fetch` */
  readonly fetch?: MlflowFetch;
}

/** An MLflow client of the environment's tracking server; a clear error where it has none. */
export async function trackingClientFor(
  project: string,
  env: EnvironmentConfig,
  access: TrackingAccess,
): Promise<MlflowRestClient> {
  if (env.name === LOCAL_ENVIRONMENT) {
    const url = await access.localServerUrl();
    if (!url) {
      throw new Error(
        `${env.name}: its MLflow tracking server is not running: start the local environment with npx mlenv local up`,
      );
    }
    return new MlflowRestClient({ baseUrl: url, fetch: access.fetch });
  }
  if (env.tracking.server === 'none') {
    throw new Error(
      `${env.name} records no training runs: its configuration sets tracking.server to 'none' (set it to 'managed' in config/environments.ts and deploy to get a tracking server)`,
    );
  }
  const arn = environmentTrackingServerArn(project, env, access.region);
  return new MlflowRestClient({
    baseUrl: trackingServerUrl(arn),
    fetch: access.fetch,
    sign: trackingServerSigner(arn, await access.credentials()),
  });
}
