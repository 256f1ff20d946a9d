import { join } from 'node:path';

/** The credentials the emulator accepts (any will do; these say what they are). */
export const EMULATOR_CREDENTIALS = {
  accessKeyId: 'testing',
  secretAccessKey: 'testing',
  sessionToken: 'testing',
} as const;

/** Where the emulator answers: every AWS service on one loopback port. */
export function emulatorEndpoint(port: number): string {
  return `http://127.0.0.1:${port}`;
}

/**
 * The environment for a process (the CDK CLI) that must talk to the emulator and never to AWS:
 * endpoint, dummy credentials, region, and no profile, shared config or instance metadata.
 *
 * `AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION`: the CDK CLI hands CloudFormation a template URL built
 * from this S3 endpoint (`<origin>/<bucket>/<key>`). moto reads a `127.0.0.1` URL's bucket from
 * the host name ("127": NoSuchBucket) but a `localhost` one path-style, so it gets `localhost`.
 */
export function emulatorProcessEnv(
  port: number,
  region: string,
  stateDir: string,
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of Object.keys(env)) {
    if (name.startsWith('AWS_')) delete env[name];
  }
  return {
    ...env,
    AWS_ENDPOINT_URL: emulatorEndpoint(port),
    AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION: `http://localhost:${port}`,
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: EMULATOR_CREDENTIALS.sessionToken,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EC2_METADATA_DISABLED: 'true',
    // Files that do not exist: no profile of the user's can redirect a call to a real account.
    AWS_CONFIG_FILE: join(stateDir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(stateDir, 'no-aws-credentials'),
  };
}

/** Configuration for an AWS SDK v3 client that talks to the emulator. */
export function emulatorClientConfig(port: number, region: string) {
  return {
    endpoint: emulatorEndpoint(port),
    region,
    credentials: { ...EMULATOR_CREDENTIALS },
    forcePathStyle: true,
  };
}
