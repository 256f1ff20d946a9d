import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { describeAwsError } from '../../lib/cli/aws-errors';
import { reachEnvironment } from '../../lib/ops/reach-environment';
import { platformAssembly } from '../support/platform';

const { config } = platformAssembly();
const sts = mockClient(STSClient);
afterEach(() => sts.reset());
const env = config.environments[0];

test("credentials of the environment's account reach it", async () => {
  sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: env.account, Arn: `arn:aws:iam::${env.account}:user/me` });
  expect(await reachEnvironment(env, sts as never, describeAwsError)).toMatchObject({ reachable: true });
});

test('credentials of another account do not, and the answer says whose they are', async () => {
  const other = env.account === '999999999999' ? '888888888888' : '999999999999';
  sts.on(GetCallerIdentityCommand).resolves({ Account: other, Arn: `arn:aws:iam::${other}:user/me` });
  expect(await reachEnvironment(env, sts as never, describeAwsError)).toMatchObject({
    reachable: false,
    problem: `the credentials are of account ${other}, not ${env.account}`,
  });
});

test('missing credentials say how to configure them; access denied keeps what AWS names', async () => {
  const missing = Object.assign(new Error('Could not load credentials from any providers'), {
    name: 'CredentialsProviderError',
  });
  sts.on(GetCallerIdentityCommand).rejects(missing);
  expect((await reachEnvironment(env, sts as never, describeAwsError)).problem).toMatch(
    /^no AWS credentials: pass --profile/,
  );
  const denied = Object.assign(
    new Error(
      'User: arn:aws:iam::1:user/x is not authorized to perform: sagemaker:UpdateModelPackage on resource: arn:p',
    ),
    { name: 'AccessDeniedException' },
  );
  expect(describeAwsError(denied)).toBe(`access denied: ${denied.message}`);
});
