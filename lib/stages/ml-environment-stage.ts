import { Aspects, Stage, type StageProps, Tags, Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { discoveryPath, type EnvironmentConfig, type ModelConfig } from '../../config';
import { MlPolicyPack } from '../../constructs';
import { AcknowledgeIamWildcards } from '../compliance/iam-acknowledgements';
import { NetworkStack } from '../stacks/network-stack';
import { OperationsStack } from '../stacks/operations-stack';
import { RegistryStack } from '../stacks/registry-stack';
import { ServingStack } from '../stacks/serving-stack';
import { StorageStack } from '../stacks/storage-stack';
import { TrainingStack } from '../stacks/training-stack';

export interface MlEnvironmentStageProps extends Omit<StageProps, 'env'> {
  /** The project name, put on every resource as the `mlenv:project` tag. */
  readonly project: string;
  /** The environment this stage deploys; its account and region become the stage's `env`. */
  readonly environment: EnvironmentConfig;
  /** The models every environment trains. */
  readonly models: readonly ModelConfig[];
  /** The code version (git commit) recorded in registered models' lineage. */
  readonly codeVersion: string;
  /** Whether the ML policy pack applies its production rules (endpoints). */
  readonly production: boolean;
}

/**
 * One ML environment. Every environment is this same class; only the configuration's knobs make
 * them differ (`npm run parity` checks that).
 */
export class MlEnvironmentStage extends Stage {
  public readonly environment: EnvironmentConfig;
  public readonly storage: StorageStack;
  public readonly registry: RegistryStack;
  public readonly operations: OperationsStack;
  /** The private VPC, in environments with `network: vpc`. */
  public readonly network?: NetworkStack;
  public readonly training: TrainingStack;
  public readonly serving: ServingStack;

  constructor(scope: Construct, id: string, props: MlEnvironmentStageProps) {
    const { environment, project } = props;
    super(scope, id, {
      ...props,
      env: { account: environment.account, region: environment.region },
    });
    this.environment = environment;
    // Environments that keep their data also refuse to have their stacks deleted by accident.
    const common = { terminationProtection: environment.removalPolicy === 'retain' };

    this.storage = new StorageStack(this, 'Storage', {
      ...common,
      project,
      environment,
      models: props.models,
      description: `${project} ${environment.name}: ML data buckets and keys (stateful)`,
    });
    this.registry = new RegistryStack(this, 'Registry', {
      ...common,
      project,
      environment,
      models: props.models,
      operationsKey: this.storage.operationsKey,
      dataStore: this.storage.dataStore,
      description: `${project} ${environment.name}: model registry (stateful)`,
    });
    this.network =
      environment.network === 'vpc'
        ? new NetworkStack(this, 'Network', {
            ...common,
            environment,
            operationsKey: this.storage.operationsKey,
            description: `${project} ${environment.name}: private VPC for ML jobs and endpoints`,
          })
        : undefined;
    const placement = this.network?.network.placement;
    this.operations = new OperationsStack(this, 'Operations', {
      ...common,
      project,
      environment,
      operationsKey: this.storage.operationsKey,
      description: `${project} ${environment.name}: alerts and cost budget`,
    });
    this.training = new TrainingStack(this, 'Training', {
      ...common,
      project,
      environment,
      models: props.models,
      dataStore: this.storage.dataStore,
      registry: this.registry.registry,
      operationsKey: this.storage.operationsKey,
      alerts: this.operations.alerts,
      network: placement,
      codeVersion: props.codeVersion,
      description: `${project} ${environment.name}: training pipelines`,
    });
    this.serving = new ServingStack(this, 'Serving', {
      ...common,
      project,
      environment,
      models: props.models,
      dataStore: this.storage.dataStore,
      alerts: this.operations.alerts,
      network: placement,
      pipelines: this.training.pipelines,
      description: `${project} ${environment.name}: model endpoints of the packages pinned in deployments/${environment.name}.json`,
    });

    Aspects.of(this).add(
      new AcknowledgeIamWildcards({
        bucketNamePrefix: this.storage.dataStore.bucketNamePrefix ?? '',
        groupNamePrefix: this.registry.groupNamePrefix,
        modelNames: props.models.map((m) => m.name),
        promotionSources: this.registry.promotionSources,
        parameterPath: discoveryPath({ project, environment }),
      }),
    );
    // Synth fails when a resource breaks an ML policy rule (see the README's list).
    Validations.of(this).addPlugins(
      new MlPolicyPack({ production: props.production, trustedAccounts: [...environment.promotionReaders] }),
    );
    Tags.of(this).add('mlenv:project', project);
    Tags.of(this).add('mlenv:environment', environment.name);
    Tags.of(this).add('mlenv:cost-centre', environment.costCentre);
  }
}
