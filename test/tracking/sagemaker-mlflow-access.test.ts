import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { REPO_ROOT } from '../../config/repo-root';
import { listRuns } from '../../lib/ops/tracking/list-runs';
import { type MlflowHttpRequest, MlflowRestClient } from '../../lib/ops/tracking/mlflow-rest-client';
import {
  parseTrackingServerArn,
  trackingServerSigner,
  trackingServerUrl,
} from '../../lib/ops/tracking/sagemaker-mlflow-access';

const PYTHON = join(REPO_ROOT, '.venv', 'bin', 'python');
const ARN = 'arn:aws:sagemaker:eu-west-1:222222222222:mlflow-tracking-server/mlenv-staging-mlflow';
// Fake credentials and a fixed time, so that the signature is reproducible.
const CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN',
};
const SIGNING_DATE = new Date('2026-03-05T10:30:15Z');
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The requests a signed client sends (to a fake `fetch` that answers like MLflow). */
function capturingClient(arn = ARN) {
  const sent: Array<{ url: string; method: string; headers: Record<string, string>; body?: string }> = [];
  const client = new MlflowRestClient({
    baseUrl: trackingServerUrl(arn),
    sign: trackingServerSigner(arn, CREDENTIALS, { signingDate: () => SIGNING_DATE }),
    fetch: async (url, init) => {
      sent.push({ url, ...init });
      const answer = url.includes('get-by-name')
        ? { experiment: { experiment_id: '1', name: 'churn' } }
        : { runs: [{ info: { run_id: 'r1', status: 'FINISHED', start_time: 1 } }] };
      return { status: 200, text: async () => JSON.stringify(answer) };
    },
  });
  return { client, sent };
}

/** `Authorization: AWS4-HMAC-SHA256 Credential=<key>/<scope>, SignedHeaders=<a;b>, Signature=<hex>`. */
function parseAuthorization(header: string) {
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\S+), SignedHeaders=(\S+), Signature=([0-9a-f]{64})$/.exec(
      header,
    );
  expect(match).not.toBeNull();
  const [, accessKeyId, scope, signedHeaders, signature] = match!;
  return { accessKeyId, scope, signedHeaders: signedHeaders.split(';'), signature };
}

describe('the address of a tracking server', () => {
  test("is the MLflow endpoint of the ARN's region (aws and aws-us-gov)", () => {
    expect(trackingServerUrl(ARN)).toBe('https://eu-west-1.experiments.sagemaker.aws');
    expect(
      trackingServerUrl('arn:aws-us-gov:sagemaker:us-gov-west-1:222222222222:mlflow-tracking-server/x'),
    ).toBe('https://us-gov-west-1.experiments.sagemaker.aws');
  });

  test('another partition is refused with a clear error', () => {
    expect(() =>
      trackingServerUrl('arn:aws-cn:sagemaker:cn-north-1:222222222222:mlflow-tracking-server/x'),
    ).toThrow(
      'SageMaker managed MLflow is not available in partition aws-cn (cn-north-1): only in aws, aws-us-gov',
    );
  });

  test('an ARN of something else is refused', () => {
    expect(() => parseTrackingServerArn('arn:aws:sagemaker:eu-west-1:222222222222:endpoint/x')).toThrow(
      'is not the ARN of a SageMaker MLflow tracking server',
    );
  });
});

describe('a request to a managed tracking server', () => {
  test('goes to the region of the ARN, names the server, and is signed with SigV4 for sagemaker-mlflow', async () => {
    const { client, sent } = capturingClient();
    await listRuns(client, 'churn', 5);
    expect(sent.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET https://eu-west-1.experiments.sagemaker.aws/api/2.0/mlflow/experiments/get-by-name?experiment_name=churn',
      'POST https://eu-west-1.experiments.sagemaker.aws/api/2.0/mlflow/runs/search',
    ]);
    for (const request of sent) {
      expect(request.headers['x-mlflow-sm-tracking-server-arn']).toBe(ARN);
      expect(request.headers['x-amz-date']).toBe('20260305T103015Z');
      expect(request.headers['x-amz-security-token']).toBe(CREDENTIALS.sessionToken);
      expect(request.headers['x-amz-content-sha256']).toBe(
        request.body === undefined ? EMPTY_SHA256 : createHash('sha256').update(request.body).digest('hex'),
      );
      const auth = parseAuthorization(request.headers.authorization);
      expect(auth.accessKeyId).toBe(CREDENTIALS.accessKeyId);
      // <date>/<region>/<service>/aws4_request, as AWS documents the credential scope.
      expect(auth.scope).toBe('20260305/eu-west-1/sagemaker-mlflow/aws4_request');
      expect(auth.signedHeaders).toEqual(
        expect.arrayContaining([
          'host',
          'x-amz-date',
          'x-mlflow-sm-tracking-server-arn',
          'x-amz-content-sha256',
        ]),
      );
      // Lower case and sorted, as the canonical request lists them.
      expect(auth.signedHeaders).toEqual([...auth.signedHeaders].sort());
    }
    expect(parseAuthorization(sent[1].headers.authorization).signedHeaders).toContain('content-type');
  });

  test('carries the signature botocore computes for the same request (what the sagemaker-mlflow plugin sends)', async () => {
    const { client, sent } = capturingClient();
    await listRuns(client, 'churn', 5);
    for (const request of sent) {
      const expected = botocoreAuthorization(request);
      expect(request.headers.authorization).toBe(expected);
    }
  });
});

/**
 * The Authorization header botocore's SigV4Auth (what the plugin's AuthBoto uses) computes for
 * the same method, URL, body and headers (those the signature covers, less what botocore adds
 * itself), with the same credentials, service, region and time.
 */
function botocoreAuthorization(request: {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}) {
  const { signedHeaders } = parseAuthorization(request.headers.authorization);
  const headers = Object.fromEntries(
    Object.entries(request.headers).filter(
      ([name]) =>
        signedHeaders.includes(name) && !['host', 'x-amz-date', 'x-amz-security-token'].includes(name),
    ),
  );
  const script = `
import datetime, json, sys
from unittest import mock
import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

r = json.load(sys.stdin)
c = r["credentials"]
auth = SigV4Auth(Credentials(c["accessKeyId"], c["secretAccessKey"], c["sessionToken"]), "sagemaker-mlflow", r["region"])
request = AWSRequest(method=r["method"], url=r["url"], data=r.get("body"), headers=r["headers"])
now = datetime.datetime(2026, 3, 5, 10, 30, 15)
with mock.patch.object(botocore.auth, "get_current_datetime", return_value=now):
    auth.add_auth(request)
print(request.headers["Authorization"])
`;
  const result = spawnSync(PYTHON, ['-c', script], {
    input: JSON.stringify({
      method: request.method,
      url: request.url,
      body: request.body,
      headers,
      region: parseTrackingServerArn(ARN).region,
      credentials: CREDENTIALS,
    }),
    encoding: 'utf8',
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout.trim();
}

test('the signer adds the routing header before signing, so the signature covers it', async () => {
  const sign = trackingServerSigner(ARN, async () => CREDENTIALS, { signingDate: () => SIGNING_DATE });
  const request: MlflowHttpRequest = {
    method: 'GET',
    url: new URL(
      'https://eu-west-1.experiments.sagemaker.aws/api/2.0/mlflow/experiments/get-by-name?experiment_name=a%20b',
    ),
    headers: {},
  };
  const signed = await sign(request);
  expect(signed.url).toBe(request.url);
  expect(signed.headers.host).toBe('eu-west-1.experiments.sagemaker.aws');
  expect(parseAuthorization(signed.headers.authorization).signedHeaders).toContain(
    'x-mlflow-sm-tracking-server-arn',
  );
  // A query with a space: botocore signs it the same way.
  expect(signed.headers.authorization).toBe(
    botocoreAuthorization({ url: request.url.toString(), method: 'GET', headers: signed.headers }),
  );
});
