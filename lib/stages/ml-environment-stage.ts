import { Stage, type StageProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../config';
import { StorageStack } from '../stacks/storage-stack';

export interface MlEnvironmentStageProps extends Omit<StageProps, 'env'> {
  /** The project name, put on every resource as the `mlenv:project` tag. */
  readonly project: string;
  /** The environment this stage deploys; its account and region become the stage's `env`. */
  readonly environment: EnvironmentConfig;
}

/**
 * One ML environment. Every environment is this same class; only the configuration's knobs make
 * them differ (`npm run parity` checks that).
 */
export class MlEnvironmentStage extends Stage {
  public readonly environment: EnvironmentConfig;
  public readonly storage: StorageStack;

  constructor(scope: Construct, id: string, props: MlEnvironmentStageProps) {
    const { environment, project } = props;
    super(scope, id, {
      ...props,
      env: { account: environment.account, region: environment.region },
    });
    this.environment = environment;

    this.storage = new StorageStack(this, 'Storage', {
      environment,
      description: `${project} ${environment.name}: ML data buckets and their KMS key (stateful)`,
    });

    Tags.of(this).add('mlenv:project', project);
    Tags.of(this).add('mlenv:environment', environment.name);
    Tags.of(this).add('mlenv:cost-centre', environment.costCentre);
  }
}
