import { CloudFormationClient, paginateListStackResources } from '@aws-sdk/client-cloudformation';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type EnvironmentConfig, type MlEnvConfig, platformConfig } from '../../config';
import { pascalCase } from '../../cfn/pascal-case';
import { AuthorizationModel } from '../tools/authorization';
import type { Decision } from '../tools/authorization/decision';
import type { DeployedResource, DeployedStage } from '../tools/calls/deployed-assembly';
import type { RunTimeCall } from '../tools/calls/run-time-call';
import { emulatorStatus, localStateDir } from './emulator';
import { deployedAssemblyDir } from './emulator-deploy';
import { emulatorClientConfig } from './emulator-env';
import { localEnvironment } from './emulator-up';
import { ModelStack } from '../platform/stacks/model-stack';

/** The emulator's clients, one per service the lifecycle calls. */
export interface EmulatorClients {
  readonly s3: S3Client;
  readonly sagemaker: SageMakerClient;
  readonly sfn: SFNClient;
  readonly sns: SNSClient;
  readonly events: EventBridgeClient;
  readonly cloudformation: CloudFormationClient;
  readonly glue: GlueClient;
}

export interface ConnectOptions {
  /** @default localStateDir() */
  readonly stateDir?: string;
  /** @default platformConfig() */
  readonly config?: MlEnvConfig;
}

/**
 * The local environment as deployed in the running emulator: the cloud assembly the last
 * `mlenv local up` (or `serve`) deployed, the physical names the emulator gave its resources, the
 * authorization model of its policies with those names, and clients of the emulator.
 *
 * With the deployed names, the synthesized templates resolve to exactly what the emulator holds:
 * a state machine definition read back from the emulator equals the synthesized one, and every
 * ARN a run uses is one the policies are evaluated on.
 */
export class LocalDeployment {
  public static async connect(options: ConnectOptions = {}): Promise<LocalDeployment> {
    const stateDir = options.stateDir ?? localStateDir();
    const config = options.config ?? platformConfig();
    const env = localEnvironment(config);
    const status = await emulatorStatus({ stateDir });
    if (!status.running || status.port === undefined) {
      throw new Error('no emulator is running: start the local environment with `mlenv local up`');
    }
    const assemblyDir = deployedAssemblyDir(stateDir);
    if (!existsSync(join(assemblyDir, 'manifest.json'))) {
      throw new Error(`nothing is deployed into the emulator yet: run \`mlenv local up\``);
    }
    const assembly = new CloudAssembly(assemblyDir);
    const clientConfig = emulatorClientConfig(status.port, env.region);
    const cloudformation = new CloudFormationClient(clientConfig);
    const stacks = assembly.stacksRecursively.filter((s) => s.hierarchicalId.startsWith(`${env.stageId}/`));
    const physical = new Map<string, Map<string, string>>();
    for (const stack of stacks) {
      const ids = new Map<string, string>();
      try {
        for await (const page of paginateListStackResources(
          { client: cloudformation },
          { StackName: stack.stackName },
        )) {
          for (const r of page.StackResourceSummaries ?? []) {
            if (r.LogicalResourceId && r.PhysicalResourceId)
              ids.set(r.LogicalResourceId, r.PhysicalResourceId);
          }
        }
      } catch (error) {
        throw new Error(
          `${stack.stackName} is not deployed in the emulator (${(error as Error).message}): run \`mlenv local up\``,
          { cause: error },
        );
      }
      physical.set(stack.stackName, ids);
    }
    const authz = AuthorizationModel.fromAssembly(assembly, (stack, logicalId) =>
      physical.get(stack.stackName)?.get(logicalId),
    );
    const stage = authz.inventory.deployed.stages.find((s) => s.id === env.stageId);
    if (!stage) throw new Error(`the deployed assembly has no ${env.stageId} stage`);
    return new LocalDeployment(config, env, stateDir, status.port, assembly, authz, stage, {
      s3: new S3Client(clientConfig),
      sagemaker: new SageMakerClient(clientConfig),
      sfn: new SFNClient(clientConfig),
      sns: new SNSClient(clientConfig),
      events: new EventBridgeClient(clientConfig),
      cloudformation,
      glue: new GlueClient(clientConfig),
    });
  }

  private constructor(
    public readonly config: MlEnvConfig,
    public readonly env: EnvironmentConfig,
    public readonly stateDir: string,
    public readonly port: number,
    public readonly assembly: CloudAssembly,
    public readonly authz: AuthorizationModel,
    public readonly stage: DeployedStage,
    public readonly clients: EmulatorClients,
  ) {}

  /** Every call checked against the deployed policies through this deployment, in order. */
  public readonly checked: Array<{ readonly call: RunTimeCall; readonly decision: Decision }> = [];

  /**
   * Checks `calls` against the deployed policies, in order; the first one IAM would deny throws
   * an AccessDenied error naming it, as AWS would refuse it.
   */
  public async authorize(calls: readonly RunTimeCall[]): Promise<void> {
    for (const call of calls) {
      const decision = await this.authz.check(call);
      this.checked.push({ call, decision });
      if (!decision.allowed) {
        const error = new Error(
          `AccessDenied: ${call.principal} is not authorized to perform ${call.action} on ${call.resource} (${decision.explanation})`,
        );
        error.name = 'AccessDenied';
        throw error;
      }
    }
  }

  /** The configured model named `name`; an unknown one lists the known ones. */
  public model(name: string) {
    const model = this.config.models.find((m) => m.name === name);
    if (!model) {
      throw new Error(
        `no model named '${name}' in the configuration (models: ${this.config.models.map((m) => m.name).join(', ')})`,
      );
    }
    return model;
  }

  /** The resource of the local stage at construct path `path` (`ChurnModel/ChurnPipeline/StateMachine`). */
  public resource(path: string): DeployedResource {
    const found = this.authz.inventory.deployed.resources.find(
      (r) => r.stage === this.stage && r.path === path,
    );
    if (!found) throw new Error(`the local deployment has no ${path}`);
    return found;
  }

  /** The resource at `path`, or undefined (a model that is not served has no endpoint). */
  public tryResource(path: string): DeployedResource | undefined {
    return this.authz.inventory.deployed.resources.find((r) => r.stage === this.stage && r.path === path);
  }

  /** The training pipeline of `model`. */
  public trainingPipeline(model: string): DeployedResource {
    return this.resource(ModelStack.pathOf(this.model(model).name, 'Pipeline/StateMachine'));
  }

  /**
   * The data pipeline of `model` (it builds the features and starts training), for a model with a
   * `dataPipeline` in the configuration.
   */
  public dataPipeline(model: string): DeployedResource | undefined {
    const config = this.model(model);
    return config.dataPipeline
      ? this.resource(ModelStack.pathOf(config.name, 'DataPipeline/StateMachine'))
      : undefined;
  }

  /** `Ref` of a deployed resource, as the emulator named it. */
  public ref(resource: DeployedResource): string {
    return this.authz.inventory.deployed.ref(resource);
  }

  /** The name of one of the data store's buckets (`raw`, `curated`, `models`, `monitoring`). */
  public bucket(kind: 'raw' | 'curated' | 'models' | 'monitoring'): string {
    return this.ref(this.resource(`Storage/Data/${pascalCase(kind)}Bucket`));
  }
}
