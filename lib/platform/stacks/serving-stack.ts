import { Annotations, Stack, type StackProps } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import {
  DISCOVERY_KEYS,
  discoveryParameterName,
  type EnvironmentConfig,
  type ModelConfig,
} from '../../../config';

export interface ServingStackProps extends StackProps {
  readonly project: string;
  readonly environment: EnvironmentConfig;
  readonly models: readonly ModelConfig[];
}

/**
 * Which models the environment serves, from `deployments/<env>.json`: each served model's endpoint
 * is in its own stack (`ModelStack`); an unpinned model gets none (and a note at synth), so every
 * stack deploys before any model is approved.
 *
 * Model stacks deploy after this one: endpoints that older versions kept here are deleted by its
 * update before their model's stack creates them again (their alarms and drift schedules have
 * fixed names, which two stacks cannot hold at once).
 */
export class ServingStack extends Stack {
  /** The models the configuration lists that this environment does not serve. */
  public readonly unserved: readonly string[];

  constructor(scope: Construct, id: string, props: ServingStackProps) {
    super(scope, id, props);
    const { environment } = props;
    const served = Object.keys(environment.deployments).sort();
    this.unserved = props.models.map((m) => m.name).filter((m) => !served.includes(m));
    if (this.unserved.length > 0) {
      Annotations.of(this).addInfo(
        `${environment.name} serves no endpoint for: ${this.unserved.join(', ')} (no pin in deployments/${environment.name}.json)`,
      );
    }
    // The models served, for people and the CLI (each one's pin is beside its endpoint).
    new ssm.StringParameter(this, 'ServedModels', {
      parameterName: discoveryParameterName(props, DISCOVERY_KEYS.servedModels),
      description: `Models served by ${environment.name}, from deployments/${environment.name}.json`,
      stringValue: JSON.stringify(served),
    });
  }
}
