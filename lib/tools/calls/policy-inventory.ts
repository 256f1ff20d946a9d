import { asList, asObject, type JsonObject } from '../../../cfn/json-values';
import { parseArn, s3Arn } from './arns';
import type { DeployedAssembly, DeployedResource, DeployedStage } from './deployed-assembly';
import type { NamedPolicy } from './named-policy';
import { assetBucketPolicy, awsManagedS3Key, awsManagedS3KeyPolicy } from './outside-the-assembly';

/** An IAM role of the assembly and every policy that decides what it may do. */
export interface RoleRecord {
  readonly arn: string;
  readonly stage: DeployedStage;
  readonly resource: DeployedResource;
  readonly trustPolicy: NamedPolicy;
  readonly identityPolicies: NamedPolicy[];
  readonly permissionBoundary?: NamedPolicy;
  /** Managed policies or a boundary the assembly does not define: not evaluated (they grant nothing here). */
  readonly unreadablePolicies: string[];
}

/** A bucket: its policy, its default encryption, and what it tells other services. */
export interface BucketRecord {
  readonly name: string;
  readonly arn: string;
  readonly stage: DeployedStage;
  /** The construct path of the bucket, or why it exists (`CDK bootstrap file assets`). */
  readonly origin: string;
  readonly policy?: NamedPolicy;
  /** The KMS key of its default encryption; undefined for SSE-S3. */
  readonly encryptionKeyArn?: string;
  /** With an S3 Bucket Key, S3 asks KMS with the bucket (not the object) as encryption context. */
  readonly bucketKeyEnabled: boolean;
  readonly eventBridgeEnabled: boolean;
  /** Where S3 server access logs of the bucket go. */
  readonly accessLogs?: { readonly bucket: string; readonly prefix: string };
  readonly resource?: DeployedResource;
}

/** A KMS key and its key policy. */
export interface KeyRecord {
  readonly arn: string;
  readonly account: string;
  readonly stage: DeployedStage;
  /** False for keys AWS manages (`aws/s3`): used by the environment, not defined by it. */
  readonly inAssembly: boolean;
  readonly origin: string;
  readonly policy: NamedPolicy;
}

/** An SNS topic, its topic policy and its encryption key. */
export interface TopicRecord {
  readonly arn: string;
  readonly account: string;
  readonly resource: DeployedResource;
  readonly policy?: NamedPolicy;
  readonly kmsKeyArn?: string;
}

/** A SageMaker model package group and its resource policy. */
export interface ModelPackageGroupRecord {
  readonly name: string;
  readonly arn: string;
  readonly stage: DeployedStage;
  readonly resource: DeployedResource;
  readonly policy?: NamedPolicy;
}

/** A CodeArtifact domain or repository and its resource policy (none: only identity policies decide). */
export interface PackageResourceRecord {
  readonly arn: string;
  readonly stage: DeployedStage;
  readonly resource: DeployedResource;
  readonly policy?: NamedPolicy;
}

/** A VPC endpoint: its VPC, the service it reaches, and its policy (none: full access). */
export interface VpcEndpointRecord {
  /** `arn:<partition>:ec2:<region>:<account>:vpc-endpoint/<id>` (the id being what `Ref` of it returns). */
  readonly arn: string;
  readonly stage: DeployedStage;
  readonly vpcId: string;
  /** `com.amazonaws.<region>.codeartifact.api`, ... */
  readonly serviceName: string;
  readonly type: 'Interface' | 'Gateway';
  /** Whether the service's own hostname resolves to it inside the VPC. */
  readonly privateDns: boolean;
  readonly resource: DeployedResource;
  readonly policy?: NamedPolicy;
}

/**
 * Every policy of an assembly that decides a request at run time: roles (trust, inline and
 * managed policies, permission boundaries), bucket, key, topic, model package group and
 * CodeArtifact domain and repository policies, VPC endpoint policies, and the encryption that
 * makes a request to S3 or SNS also a request to KMS. Indexed by the ARN (or bucket name, or
 * endpoint id) requests address.
 */
export class PolicyInventory {
  public readonly roles = new Map<string, RoleRecord>();
  public readonly buckets = new Map<string, BucketRecord>();
  public readonly keys = new Map<string, KeyRecord>();
  public readonly topics = new Map<string, TopicRecord>();
  /** By group ARN. */
  public readonly modelPackageGroups = new Map<string, ModelPackageGroupRecord>();
  /** CodeArtifact domains and repositories, by ARN. */
  public readonly packageResources = new Map<string, PackageResourceRecord>();
  /** By endpoint ARN. */
  public readonly vpcEndpoints = new Map<string, VpcEndpointRecord>();

  constructor(public readonly deployed: DeployedAssembly) {
    this.readRoles();
    this.readBuckets();
    this.readKeys();
    this.readTopics();
    this.readModelPackageGroups();
    this.readPackageResources();
    this.readVpcEndpoints();
  }

  /**
   * The interface endpoint of VPC `vpcId` of `stage` that a request to `service`
   * (`codeartifact.api`) from inside it goes through: the one with private DNS, which the
   * service's hostname resolves to.
   */
  public interfaceEndpoint(
    stage: DeployedStage,
    vpcId: string,
    service: string,
  ): VpcEndpointRecord | undefined {
    return [...this.vpcEndpoints.values()].find(
      (e) =>
        e.stage === stage &&
        e.vpcId === vpcId &&
        e.type === 'Interface' &&
        e.privateDns &&
        e.serviceName.endsWith(`.${service}`),
    );
  }

  /** A key ARN from what a template names a key by (an ARN or a key id) in `stage`. */
  public keyArn(reference: unknown, stage: DeployedStage): string | undefined {
    if (typeof reference !== 'string' || reference === '') return undefined;
    if (reference.startsWith('arn:')) return reference;
    return `arn:${stage.partition}:kms:${stage.region}:${stage.account}:key/${reference}`;
  }

  private readRoles(): void {
    const byName = new Map<string, RoleRecord>();
    const name = (stage: DeployedStage, roleName: unknown) => `${stage.account}/${String(roleName)}`;
    const managed = new Map<string, NamedPolicy>();
    for (const policy of this.deployed.ofType('AWS::IAM::ManagedPolicy')) {
      managed.set(this.deployed.ref(policy), {
        name: policy.path,
        document: policyDocument(policy.properties.PolicyDocument),
      });
    }
    for (const role of this.deployed.ofType('AWS::IAM::Role')) {
      const { properties } = role;
      const arn = this.deployed.attribute(role, 'Arn');
      const unreadablePolicies: string[] = [];
      const identityPolicies: NamedPolicy[] = asList(properties.Policies).map((p) => ({
        name: `${role.path} policy ${String(asObject(p)?.PolicyName)}`,
        document: policyDocument(asObject(p)?.PolicyDocument),
      }));
      for (const policyArn of asList(properties.ManagedPolicyArns).map(String)) {
        const found = managed.get(policyArn);
        if (found) identityPolicies.push(found);
        else unreadablePolicies.push(policyArn);
      }
      let permissionBoundary: NamedPolicy | undefined;
      if (properties.PermissionsBoundary !== undefined) {
        const boundary = String(properties.PermissionsBoundary);
        // A boundary the assembly does not define cannot be read: it allows nothing here.
        permissionBoundary = managed.get(boundary) ?? {
          name: `${boundary} (not in the assembly)`,
          document: { Version: '2012-10-17', Statement: [] },
        };
        if (!managed.has(boundary)) unreadablePolicies.push(boundary);
      }
      const record: RoleRecord = {
        arn,
        stage: role.stage,
        resource: role,
        trustPolicy: {
          name: `${role.path} trust policy`,
          document: policyDocument(properties.AssumeRolePolicyDocument),
        },
        identityPolicies,
        permissionBoundary,
        unreadablePolicies,
      };
      this.roles.set(arn, record);
      byName.set(name(role.stage, this.deployed.ref(role)), record);
    }
    const attach = (stage: DeployedStage, roleNames: unknown, policy: NamedPolicy) => {
      for (const roleName of asList(roleNames))
        byName.get(name(stage, roleName))?.identityPolicies.push(policy);
    };
    for (const policy of this.deployed.ofType('AWS::IAM::Policy')) {
      attach(policy.stage, policy.properties.Roles, {
        name: policy.path,
        document: policyDocument(policy.properties.PolicyDocument),
      });
    }
    for (const policy of this.deployed.ofType('AWS::IAM::RolePolicy')) {
      attach(policy.stage, policy.properties.RoleName, {
        name: policy.path,
        document: policyDocument(policy.properties.PolicyDocument),
      });
    }
    for (const policy of this.deployed.ofType('AWS::IAM::ManagedPolicy')) {
      attach(policy.stage, policy.properties.Roles, managed.get(this.deployed.ref(policy))!);
    }
  }

  private readBuckets(): void {
    for (const bucket of this.deployed.ofType('AWS::S3::Bucket')) {
      const { properties, stage } = bucket;
      const name = this.deployed.ref(bucket);
      const rule = asObject(
        asList(asObject(properties.BucketEncryption)?.ServerSideEncryptionConfiguration)[0],
      );
      const encryption = asObject(rule?.ServerSideEncryptionByDefault);
      const logging = asObject(properties.LoggingConfiguration);
      this.buckets.set(name, {
        name,
        arn: s3Arn(stage.partition, name),
        stage,
        origin: bucket.path,
        resource: bucket,
        encryptionKeyArn:
          encryption?.SSEAlgorithm === 'aws:kms'
            ? (this.keyArn(encryption.KMSMasterKeyID, stage) ?? awsManagedS3Key(stage))
            : undefined,
        bucketKeyEnabled: rule?.BucketKeyEnabled === true,
        eventBridgeEnabled:
          asObject(asObject(properties.NotificationConfiguration)?.EventBridgeConfiguration)
            ?.EventBridgeEnabled === true,
        accessLogs: logging?.DestinationBucketName
          ? { bucket: String(logging.DestinationBucketName), prefix: String(logging.LogFilePrefix ?? '') }
          : undefined,
      });
    }
    for (const policy of this.deployed.ofType('AWS::S3::BucketPolicy')) {
      const name = String(policy.properties.Bucket);
      const bucket = this.buckets.get(name);
      if (bucket) {
        this.buckets.set(name, {
          ...bucket,
          policy: { name: policy.path, document: policyDocument(policy.properties.PolicyDocument) },
        });
      }
    }
    for (const { stage, bucketName } of this.deployed.assetBuckets) {
      if (this.buckets.has(bucketName)) continue;
      this.buckets.set(bucketName, {
        name: bucketName,
        arn: s3Arn(stage.partition, bucketName),
        stage,
        origin: 'CDK bootstrap file assets bucket',
        policy: assetBucketPolicy(stage, bucketName),
        encryptionKeyArn: awsManagedS3Key(stage),
        bucketKeyEnabled: false,
        eventBridgeEnabled: false,
      });
    }
    // Buckets encrypted with the account's AWS managed S3 key need that key's documented policy.
    for (const bucket of this.buckets.values()) {
      if (bucket.encryptionKeyArn === awsManagedS3Key(bucket.stage)) {
        this.keys.set(bucket.encryptionKeyArn, {
          arn: bucket.encryptionKeyArn,
          account: bucket.stage.account,
          stage: bucket.stage,
          inAssembly: false,
          origin: 'AWS managed key aws/s3',
          policy: awsManagedS3KeyPolicy(bucket.stage),
        });
      }
    }
  }

  private readKeys(): void {
    for (const key of this.deployed.ofType('AWS::KMS::Key')) {
      const arn = this.deployed.attribute(key, 'Arn');
      this.keys.set(arn, {
        arn,
        account: key.stage.account,
        stage: key.stage,
        inAssembly: true,
        origin: key.path,
        policy: { name: `${key.path} key policy`, document: policyDocument(key.properties.KeyPolicy) },
      });
    }
  }

  private readTopics(): void {
    for (const topic of this.deployed.ofType('AWS::SNS::Topic')) {
      const arn = this.deployed.ref(topic);
      this.topics.set(arn, {
        arn,
        account: topic.stage.account,
        resource: topic,
        kmsKeyArn: this.keyArn(topic.properties.KmsMasterKeyId, topic.stage),
      });
    }
    for (const policy of this.deployed.ofType('AWS::SNS::TopicPolicy')) {
      for (const arn of asList(policy.properties.Topics).map(String)) {
        const topic = this.topics.get(arn);
        if (topic) {
          this.topics.set(arn, {
            ...topic,
            policy: { name: policy.path, document: policyDocument(policy.properties.PolicyDocument) },
          });
        }
      }
    }
  }

  private readModelPackageGroups(): void {
    for (const group of this.deployed.ofType('AWS::SageMaker::ModelPackageGroup')) {
      const arn = this.deployed.ref(group);
      const policy = group.properties.ModelPackageGroupPolicy;
      this.modelPackageGroups.set(arn, {
        name: String(group.properties.ModelPackageGroupName ?? parseArn(arn)?.resource.split('/')[1]),
        arn,
        stage: group.stage,
        resource: group,
        policy: policy
          ? { name: `${group.path} ModelPackageGroupPolicy`, document: policyDocument(policy) }
          : undefined,
      });
    }
  }

  private readPackageResources(): void {
    for (const type of ['AWS::CodeArtifact::Domain', 'AWS::CodeArtifact::Repository']) {
      for (const resource of this.deployed.ofType(type)) {
        const arn = this.deployed.ref(resource);
        const policy = resource.properties.PermissionsPolicyDocument;
        this.packageResources.set(arn, {
          arn,
          stage: resource.stage,
          resource,
          policy: policy
            ? { name: `${resource.path} PermissionsPolicyDocument`, document: policyDocument(policy) }
            : undefined,
        });
      }
    }
  }

  private readVpcEndpoints(): void {
    for (const resource of this.deployed.ofType('AWS::EC2::VPCEndpoint')) {
      const { properties, stage } = resource;
      const arn = `arn:${stage.partition}:ec2:${stage.region}:${stage.account}:vpc-endpoint/${this.deployed.ref(resource)}`;
      this.vpcEndpoints.set(arn, {
        arn,
        stage,
        vpcId: String(properties.VpcId),
        serviceName: String(properties.ServiceName),
        type: properties.VpcEndpointType === 'Interface' ? 'Interface' : 'Gateway',
        privateDns: properties.PrivateDnsEnabled === true,
        resource,
        policy: properties.PolicyDocument
          ? { name: `${resource.path} endpoint policy`, document: policyDocument(properties.PolicyDocument) }
          : undefined,
      });
    }
  }
}

/** A policy as a template gives it: an object, or (for `Json` properties) its JSON text. */
function policyDocument(value: unknown): JsonObject {
  return (typeof value === 'string' ? asObject(JSON.parse(value)) : asObject(value)) ?? {};
}
