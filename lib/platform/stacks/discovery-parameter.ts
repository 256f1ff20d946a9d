import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { discoveryParameterName } from '../../../config';

/** Where a stack publishes: the project and its environment. */
export interface DiscoveryScope {
  readonly project: string;
  readonly environment: { readonly name: string };
}

/**
 * Publishes one name for the `mlenv` CLI as an SSM parameter under `/<project>/<env>/<key>`
 * (keys: `DISCOVERY_KEYS`). Names only: nothing secret goes there.
 */
export function publishForCli(
  scope: Construct,
  id: string,
  where: DiscoveryScope,
  key: string,
  value: string,
  description: string,
): ssm.StringParameter {
  return new ssm.StringParameter(scope, id, {
    parameterName: discoveryParameterName(where, key),
    description: `${description} (for the mlenv CLI)`,
    stringValue: value,
  });
}
