import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { TRACKING_SERVER_ARN } from '../../../constructs';
import type { MlflowHttpRequest, MlflowRequestSigner } from './mlflow-rest-client';

/**
 * How a SageMaker managed MLflow tracking server is reached, as the `sagemaker-mlflow` plugin
 * (0.5.0) does it: the MLflow REST API at `https://<region>.experiments.sagemaker.aws`, every
 * request naming the server in `x-mlflow-sm-tracking-server-arn` and signed with SigV4 for the
 * service `sagemaker-mlflow` in the region of the server's ARN.
 */

/** The header that routes a request to one tracking server. */
export const TRACKING_SERVER_ARN_HEADER = 'x-mlflow-sm-tracking-server-arn';
/** The service name requests are signed for. */
export const SIGNING_SERVICE = 'sagemaker-mlflow';

/** The partitions that have the service, and the DNS suffix of its endpoint in each. */
const DNS_SUFFIX: Readonly<Record<string, string>> = { aws: 'aws', 'aws-us-gov': 'aws' };

/** The parts of a tracking server's ARN. */
export interface TrackingServerArn {
  readonly arn: string;
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly name: string;
}

/** Parses `arn:<partition>:sagemaker:<region>:<account>:mlflow-tracking-server/<name>`. */
export function parseTrackingServerArn(arn: string): TrackingServerArn {
  const match = TRACKING_SERVER_ARN.exec(arn);
  if (!match) {
    throw new Error(
      `${arn} is not the ARN of a SageMaker MLflow tracking server (arn:<partition>:sagemaker:<region>:<account>:mlflow-tracking-server/<name>)`,
    );
  }
  const [, partition, region, account, name] = match;
  return { arn, partition, region, account, name };
}

/** The MLflow endpoint of the server's region: `https://<region>.experiments.sagemaker.aws`. */
export function trackingServerUrl(arn: string): string {
  const { partition, region } = parseTrackingServerArn(arn);
  const suffix = DNS_SUFFIX[partition];
  if (!suffix) {
    throw new Error(
      `SageMaker managed MLflow is not available in partition ${partition} (${region}): only in ${Object.keys(DNS_SUFFIX).join(', ')}`,
    );
  }
  return `https://${region}.experiments.sagemaker.${suffix}`;
}

/** AWS credentials, or a provider of them (an SDK client's `config.credentials`). */
export type AwsCredentialsSource =
  | { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  | (() => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>);

export interface TrackingServerSignerOptions {
  /** @default the time of each request */
  readonly signingDate?: () => Date;
}

/**
 * Signs requests to the tracking server `arn`: adds the routing header, then SigV4 (service
 * `sagemaker-mlflow`, the ARN's region) over it, `host`, `x-amz-date`, `x-amz-content-sha256`
 * (the payload's hash, as the plugin sends it) and the content type.
 */
export function trackingServerSigner(
  arn: string,
  credentials: AwsCredentialsSource,
  options: TrackingServerSignerOptions = {},
): MlflowRequestSigner {
  const { region } = parseTrackingServerArn(arn);
  const signer = new SignatureV4({ credentials, region, service: SIGNING_SERVICE, sha256: Sha256 });
  return async (request: MlflowHttpRequest): Promise<MlflowHttpRequest> => {
    const { url } = request;
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of url.searchParams) {
      const previous = query[name];
      query[name] = previous === undefined ? value : [previous, value].flat();
    }
    const signed = await signer.sign(
      {
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query,
        headers: { ...request.headers, host: url.host, [TRACKING_SERVER_ARN_HEADER]: arn },
        body: request.body,
      },
      options.signingDate ? { signingDate: options.signingDate() } : {},
    );
    return { ...request, headers: signed.headers as Record<string, string> };
  };
}
