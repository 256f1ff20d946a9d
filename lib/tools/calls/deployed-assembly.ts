import { AssetManifestArtifact, type CloudAssembly } from 'aws-cdk-lib/cx-api';
import { partitionOf } from '../../../cfn/deployed-names';
import { asObject, type JsonObject } from '../../../cfn/json-values';
import type { DeployableStack, PhysicalIds, TemplateReader } from '../../../cfn/template-reader';
import { deploymentReader } from '../../../cfn/template-intrinsics';

/** A stage of the assembly (one environment) and where it deploys. */
export interface DeployedStage {
  /** The stage id (`Staging`). */
  readonly id: string;
  readonly account: string;
  readonly region: string;
  readonly partition: string;
}

/** A resource of the assembly, its properties resolved as a deploy would resolve them. */
export interface DeployedResource {
  readonly stage: DeployedStage;
  readonly stack: DeployableStack;
  readonly logicalId: string;
  readonly type: string;
  /** Its construct path below the stage, without `/Resource` (`Training/ChurnPipeline/StateMachine`). */
  readonly path: string;
  /** Its properties with every token resolved. */
  readonly properties: JsonObject;
}

/** A bucket the CDK bootstrap made for the assembly's file assets (the code archives). */
export interface AssetBucket {
  readonly stage: DeployedStage;
  readonly bucketName: string;
}

/**
 * A cloud assembly as deployed: its stages, and its resources with names and ARNs resolved the
 * way a deploy into each stage's account and region would (stand-in names where CloudFormation
 * generates them; see `TemplateReader.ofDeployment`).
 */
export class DeployedAssembly {
  /** With stand-in names where CloudFormation generates them, or the names `physicalIds` reports. */
  public static of(assembly: CloudAssembly, physicalIds?: PhysicalIds): DeployedAssembly {
    return new DeployedAssembly(assembly, deploymentReader(assembly, physicalIds));
  }

  public readonly stages: readonly DeployedStage[];
  public readonly resources: readonly DeployedResource[];
  public readonly assetBuckets: readonly AssetBucket[];

  private constructor(
    assembly: CloudAssembly,
    public readonly reader: TemplateReader,
  ) {
    const stages = new Map<string, DeployedStage>();
    const stageOf = (stack: DeployableStack): DeployedStage => {
      const id = stack.id.includes('/') ? stack.id.split('/')[0] : '';
      if (!stages.has(id)) {
        stages.set(id, {
          id,
          account: stack.account,
          region: stack.region,
          partition: partitionOf(stack.region),
        });
      }
      return stages.get(id)!;
    };
    const stacks = reader.stacks ?? [];
    this.resources = stacks.flatMap((stack) =>
      Object.entries(stack.template.Resources ?? {}).map(([logicalId, resource]) => {
        const stage = stageOf(stack);
        let properties: JsonObject | undefined;
        return {
          stage,
          stack,
          logicalId,
          type: resource.Type,
          path: constructPath(resource, stage, stack, logicalId),
          // Resolved on first use: most resources are never read.
          get properties(): JsonObject {
            properties ??= asObject(reader.resolve(resource.Properties ?? {}, stack)) ?? {};
            return properties;
          },
        };
      }),
    );
    this.stages = [...stages.values()];
    this.assetBuckets = assembly.stacksRecursively.flatMap((artifact) => {
      const stack = stacks.find((s) => s.id === artifact.hierarchicalId)!;
      return artifact.dependencies.filter(AssetManifestArtifact.isAssetManifestArtifact).flatMap((manifest) =>
        Object.values(manifest.contents.files ?? {}).flatMap((file) =>
          Object.values(file.destinations).map((destination) => ({
            stage: stageOf(stack),
            bucketName: destination.bucketName
              .replace('${AWS::AccountId}', stack.account)
              .replace('${AWS::Region}', stack.region),
          })),
        ),
      );
    });
  }

  /** The resources of `type`, in every stage or in `stage`. */
  public ofType(type: string, stage?: DeployedStage): DeployedResource[] {
    return this.resources.filter((r) => r.type === type && (stage === undefined || r.stage === stage));
  }

  /** What `Ref` of the resource returns after a deploy. */
  public ref(resource: DeployedResource): string {
    return String(this.reader.resolve({ Ref: resource.logicalId }, resource.stack));
  }

  /** What `Fn::GetAtt` of the resource's `attribute` returns after a deploy. */
  public attribute(resource: DeployedResource, attribute: string): string {
    return String(this.reader.resolve({ 'Fn::GetAtt': [resource.logicalId, attribute] }, resource.stack));
  }

  /** The definition of a state machine, every token resolved. */
  public definition(stateMachine: DeployedResource): JsonObject {
    const raw = stateMachine.stack.template.Resources![stateMachine.logicalId].Properties ?? {};
    const definition = this.reader.stateMachineDefinition(raw, stateMachine.stack);
    if (!definition) throw new Error(`The definition of ${stateMachine.path} is not JSON`);
    return definition;
  }
}

function constructPath(
  resource: { readonly [key: string]: unknown },
  stage: DeployedStage,
  stack: DeployableStack,
  logicalId: string,
): string {
  const path = asObject(resource.Metadata)?.['aws:cdk:path'];
  // A stack outside any stage (a construct test's) is its own stage `''`.
  if (typeof path !== 'string')
    return `${stage.id ? stack.id.slice(stage.id.length + 1) : stack.id}/${logicalId}`;
  return path
    .split('/')
    .slice(stage.id ? 1 : 0)
    .join('/')
    .replace(/\/Resource$/, '');
}
