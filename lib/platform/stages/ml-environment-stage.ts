import { Aspects, Stage, type StageProps, Tags, Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { buildRolePath, discoveryPath, type EnvironmentConfig, type ModelConfig } from '../../../config';
import { MlPolicyPack, type PythonBuildEnvironment, TemplateLimits } from '../../../constructs';
import { AcknowledgeIamWildcards } from '../compliance/iam-acknowledgements';
import { DashboardStack } from '../stacks/dashboard-stack';
import { ModelStack } from '../stacks/model-stack';
import { NetworkStack } from '../stacks/network-stack';
import { OperationsStack } from '../stacks/operations-stack';
import { RegistryStack } from '../stacks/registry-stack';
import { ServingStack } from '../stacks/serving-stack';
import { StorageStack } from '../stacks/storage-stack';
import { TRACKING_ARTIFACT_PREFIX, TrainingStack } from '../stacks/training-stack';

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
  /** The pipelines' retained execution logs. */
  public readonly training: TrainingStack;
  /** Which models are served. */
  public readonly serving: ServingStack;
  /** One stack per model: its pipeline, and its endpoint where served. */
  public readonly models: readonly ModelStack[];
  public readonly dashboard: DashboardStack;

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
            project,
            environment,
            operationsKey: this.storage.operationsKey,
            description: `${project} ${environment.name}: private VPC for ML jobs, endpoints and builds, and the builds' package repository`,
          })
        : undefined;
    const placement = this.network?.network.placement;
    // Builds run in the VPC and install from its package repository where there is one, else in
    // CodeBuild's network from PyPI; their roles share a path either way.
    const buildEnvironment: PythonBuildEnvironment = {
      rolePath: buildRolePath({ project, environment }),
      network: this.network?.buildPlacement,
      packageRepository: this.network?.packageRepository,
    };
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
      operationsKey: this.storage.operationsKey,
      dataStore: this.storage.dataStore,
      description: `${project} ${environment.name}: training pipelines' execution logs and experiment tracking (retained)`,
    });
    this.serving = new ServingStack(this, 'Serving', {
      ...common,
      project,
      environment,
      models: props.models,
      description: `${project} ${environment.name}: the models served, from deployments/${environment.name}.json`,
    });
    // Resources older versions kept in Training and Serving are removed there before a model's
    // stack creates them (Serving's importers go first, then Training's exports).
    this.training.addStackDependency(this.serving);
    this.models = props.models.map((model) => {
      const stack = new ModelStack(this, ModelStack.idOf(model.name), {
        ...common,
        project,
        environment,
        model,
        dataStore: this.storage.dataStore,
        registry: this.registry.registry,
        logGroup: this.training.logGroups[model.name],
        trackingServer: this.training.trackingServer,
        operationsKey: this.storage.operationsKey,
        alerts: this.operations.alerts,
        network: placement,
        buildEnvironment,
        codeVersion: props.codeVersion,
        description: `${project} ${environment.name}: model ${model.name}: training pipeline${environment.deployments[model.name] ? ' and endpoint' : ''}`,
      });
      stack.addStackDependency(this.serving);
      // Its log groups are in Training (some found by name, without an export).
      stack.addStackDependency(this.training);
      return stack;
    });
    this.dashboard = new DashboardStack(this, 'Dashboard', {
      ...common,
      project,
      environment,
      dataStore: this.storage.dataStore,
      models: this.models,
      description: `${project} ${environment.name}: dashboard of every model's pipeline and endpoint`,
    });

    Aspects.of(this).add(
      new AcknowledgeIamWildcards({
        bucketNamePrefix: this.storage.dataStore.bucketNamePrefix ?? '',
        groupNamePrefix: this.registry.groupNamePrefix,
        modelNames: props.models.map((m) => m.name),
        dataPipelineModels: props.models.filter((m) => m.dataPipeline).map((m) => m.name),
        promotionSources: this.registry.promotionSources,
        parameterPath: discoveryPath({ project, environment }),
        trackingArtifactPrefix: this.training.trackingServer ? TRACKING_ARTIFACT_PREFIX : undefined,
      }),
    );
    // Synth fails when a resource breaks an ML policy rule (see the README's list).
    Validations.of(this).addPlugins(
      new MlPolicyPack({
        production: props.production,
        trustedAccounts: environment.promotionReaders.map((r) => r.account),
      }),
      // A template over CloudFormation's limits fails synth, not the deploy.
      new TemplateLimits(),
    );
    Tags.of(this).add('mlenv:project', project);
    Tags.of(this).add('mlenv:environment', environment.name);
    Tags.of(this).add('mlenv:cost-centre', environment.costCentre);
  }

  /** The stack of model `name`. */
  public model(name: string): ModelStack {
    const stack = this.models.find((m) => m.pipeline.modelName === name);
    if (!stack) throw new Error(`${this.node.id} has no model named ${name}`);
    return stack;
  }
}
