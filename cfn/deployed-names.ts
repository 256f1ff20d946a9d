/** Where a stack is deployed: what the pseudo parameters and the ARNs of its resources are made of. */
export interface DeployTarget {
  readonly account: string;
  readonly region: string;
  readonly stackName: string;
}

/** The partition of a region (`aws`, `aws-cn`, `aws-us-gov`). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The pseudo parameters (`AWS::AccountId`, ...) of a deploy into `target`. */
export function pseudoParameters(target: DeployTarget): Record<string, string> {
  const partition = partitionOf(target.region);
  return {
    'AWS::AccountId': target.account,
    'AWS::Region': target.region,
    'AWS::Partition': partition,
    'AWS::URLSuffix': partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
    'AWS::StackName': target.stackName,
    'AWS::StackId': `arn:${partition}:cloudformation:${target.region}:${target.account}:stack/${target.stackName}/stand-in`,
    'AWS::NoValue': '',
  };
}

/** What a deploy makes of one resource: its `Ref` and its `Fn::GetAtt` attributes. */
export interface DeployedNames {
  readonly ref: string;
  /** The value of `Fn::GetAtt [logicalId, attribute]`, undefined when the attribute is not modelled. */
  attribute(name: string): string | undefined;
}

interface NamingRule {
  /** The property that names the resource, when the template gives one (dotted for nested ones). */
  readonly nameProperty?: string;
  /** What `Ref` returns. */
  readonly ref: 'name' | 'arn';
  /** The resource's ARN, from its name. */
  readonly arn?: (name: string, at: ArnParts, properties: (path: string) => unknown) => string;
  /** Attributes that return the name (`TopicName`, `EndpointName`, ...); `Arn` and `*Arn` return the ARN. */
  readonly nameAttributes?: readonly string[];
  /** How CloudFormation would shape a generated name; the logical id by default. */
  readonly standIn?: (logicalId: string) => string;
}

interface ArnParts {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/** SageMaker ARNs carry the resource name in lower case. */
const sageMaker =
  (kind: string) =>
  (name: string, at: ArnParts): string =>
    `arn:${at.partition}:sagemaker:${at.region}:${at.account}:${kind}/${name.toLowerCase()}`;

/**
 * CloudFormation's documented `Ref` and `Fn::GetAtt` values of the resource types this platform
 * uses. Where CloudFormation generates a name (`<stack>-<logicalId>-<random>`), the stand-in is
 * the logical id: the same in every stack that refers to the resource, so cross-stack references
 * resolve to the same ARN.
 */
const NAMING: Record<string, NamingRule> = {
  'AWS::S3::Bucket': {
    nameProperty: 'BucketName',
    ref: 'name',
    arn: (name, at) => `arn:${at.partition}:s3:::${name}`,
    standIn: (logicalId) => logicalId.toLowerCase(),
  },
  'AWS::KMS::Key': {
    ref: 'name',
    arn: (id, at) => `arn:${at.partition}:kms:${at.region}:${at.account}:key/${id}`,
    nameAttributes: ['KeyId'],
  },
  'AWS::SNS::Topic': {
    nameProperty: 'TopicName',
    ref: 'arn',
    arn: (name, at) => `arn:${at.partition}:sns:${at.region}:${at.account}:${name}`,
    nameAttributes: ['TopicName'],
  },
  'AWS::IAM::Role': {
    nameProperty: 'RoleName',
    ref: 'name',
    arn: (name, at, properties) =>
      `arn:${at.partition}:iam::${at.account}:role${String(properties('Path') ?? '/')}${name}`,
  },
  'AWS::IAM::OIDCProvider': {
    // Its Ref is its ARN, named by the provider's URL without the scheme.
    nameProperty: 'Url',
    ref: 'arn',
    arn: (url, at) =>
      `arn:${at.partition}:iam::${at.account}:oidc-provider/${url.replace(/^https:\/\//, '')}`,
  },
  'AWS::IAM::ManagedPolicy': {
    nameProperty: 'ManagedPolicyName',
    ref: 'arn',
    arn: (name, at, properties) =>
      `arn:${at.partition}:iam::${at.account}:policy${String(properties('Path') ?? '/')}${name}`,
  },
  'AWS::StepFunctions::StateMachine': {
    nameProperty: 'StateMachineName',
    ref: 'arn',
    arn: (name, at) => `arn:${at.partition}:states:${at.region}:${at.account}:stateMachine:${name}`,
    nameAttributes: ['Name'],
  },
  'AWS::Logs::LogGroup': {
    nameProperty: 'LogGroupName',
    ref: 'name',
    // Fn::GetAtt Arn of a log group ends with `:*` (CloudFormation's documented form).
    arn: (name, at) => `arn:${at.partition}:logs:${at.region}:${at.account}:log-group:${name}:*`,
  },
  'AWS::Events::Rule': {
    nameProperty: 'Name',
    ref: 'name',
    arn: (name, at) => `arn:${at.partition}:events:${at.region}:${at.account}:rule/${name}`,
  },
  'AWS::CloudWatch::Alarm': {
    nameProperty: 'AlarmName',
    ref: 'name',
    arn: (name, at) => `arn:${at.partition}:cloudwatch:${at.region}:${at.account}:alarm:${name}`,
  },
  'AWS::CloudWatch::CompositeAlarm': {
    nameProperty: 'AlarmName',
    ref: 'name',
    arn: (name, at) => `arn:${at.partition}:cloudwatch:${at.region}:${at.account}:alarm:${name}`,
  },
  'AWS::CodeBuild::Project': {
    nameProperty: 'Name',
    ref: 'name',
    arn: (name, at) => `arn:${at.partition}:codebuild:${at.region}:${at.account}:project/${name}`,
  },
  'AWS::Glue::Job': {
    nameProperty: 'Name',
    ref: 'name',
    arn: (name, at) => `arn:${at.partition}:glue:${at.region}:${at.account}:job/${name}`,
  },
  'AWS::Athena::WorkGroup': {
    nameProperty: 'Name',
    ref: 'name',
    arn: (name, at) => `arn:${at.partition}:athena:${at.region}:${at.account}:workgroup/${name}`,
  },
  'AWS::CodePipeline::Pipeline': {
    nameProperty: 'Name',
    ref: 'name',
    arn: (name, at) => `arn:${at.partition}:codepipeline:${at.region}:${at.account}:${name}`,
  },
  'AWS::CodeStarNotifications::NotificationRule': {
    // Its Ref is its ARN, with an id CodeStar Notifications generates.
    ref: 'arn',
    arn: (id, at) =>
      `arn:${at.partition}:codestar-notifications:${at.region}:${at.account}:notificationrule/${id}`,
  },
  'AWS::CodeArtifact::Domain': {
    nameProperty: 'DomainName',
    ref: 'arn',
    arn: (name, at) => `arn:${at.partition}:codeartifact:${at.region}:${at.account}:domain/${name}`,
    nameAttributes: ['Name'],
  },
  'AWS::CodeArtifact::Repository': {
    nameProperty: 'RepositoryName',
    ref: 'arn',
    arn: (name, at, properties) =>
      `arn:${at.partition}:codeartifact:${at.region}:${at.account}:repository/${String(properties('DomainName'))}/${name}`,
    nameAttributes: ['Name'],
  },
  'AWS::Budgets::Budget': { nameProperty: 'Budget.BudgetName', ref: 'name' },
  'AWS::SSM::Parameter': { nameProperty: 'Name', ref: 'name' },
  'AWS::SageMaker::Model': {
    nameProperty: 'ModelName',
    ref: 'arn',
    arn: sageMaker('model'),
    nameAttributes: ['ModelName'],
  },
  'AWS::SageMaker::EndpointConfig': {
    nameProperty: 'EndpointConfigName',
    ref: 'arn',
    arn: sageMaker('endpoint-config'),
    nameAttributes: ['EndpointConfigName'],
  },
  'AWS::SageMaker::Endpoint': {
    nameProperty: 'EndpointName',
    ref: 'arn',
    arn: sageMaker('endpoint'),
    nameAttributes: ['EndpointName'],
  },
  'AWS::SageMaker::ModelPackageGroup': {
    nameProperty: 'ModelPackageGroupName',
    ref: 'arn',
    arn: sageMaker('model-package-group'),
  },
  'AWS::SageMaker::DataQualityJobDefinition': {
    nameProperty: 'JobDefinitionName',
    ref: 'arn',
    arn: sageMaker('data-quality-job-definition'),
  },
  'AWS::SageMaker::MonitoringSchedule': {
    nameProperty: 'MonitoringScheduleName',
    ref: 'arn',
    arn: sageMaker('monitoring-schedule'),
  },
};

/**
 * The names and ARNs a deploy into `target` gives resource `logicalId` of `type`; `properties`
 * reads one of its properties, resolved. Types without a rule: `Ref` is the logical id and
 * `Arn` a generic `arn:<partition>:<service>:<region>:<account>:<logicalId>`.
 */
export function deployedNames(
  type: string,
  logicalId: string,
  target: DeployTarget,
  properties: (path: string) => unknown,
  /** What the deploy reported as the resource's physical id (its `Ref`), when it is known. */
  physicalId?: string,
): DeployedNames {
  const at = { partition: partitionOf(target.region), region: target.region, account: target.account };
  const rule = NAMING[type];
  if (!rule) {
    const service = type.split('::')[1]?.toLowerCase() ?? 'unknown';
    const id = physicalId ?? logicalId;
    return {
      ref: id,
      attribute: (name) =>
        name === 'Arn' ? `arn:${at.partition}:${service}:${at.region}:${at.account}:${id}` : undefined,
    };
  }
  const given = rule.nameProperty ? properties(rule.nameProperty) : undefined;
  // A name the deploy generated: the physical id, or the last part of it where `Ref` is an ARN.
  const generated =
    typeof given === 'string' || physicalId === undefined
      ? undefined
      : rule.ref === 'arn'
        ? physicalId.split(/[:/]/).at(-1)!
        : physicalId;
  const name =
    typeof given === 'string' ? given : (generated ?? (rule.standIn ?? ((id: string) => id))(logicalId));
  const arn = rule.ref === 'arn' && generated !== undefined ? physicalId : rule.arn?.(name, at, properties);
  return {
    ref: rule.ref === 'arn' && arn ? arn : name,
    attribute: (attribute) => {
      if (rule.nameAttributes?.includes(attribute)) return name;
      if (attribute === 'Arn' || attribute.endsWith('Arn')) return arn;
      return undefined;
    },
  };
}
