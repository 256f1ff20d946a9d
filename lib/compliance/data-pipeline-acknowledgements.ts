import { type CfnElement, type IAspect, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { rules } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { DbtProject, SparkJob } from '../../constructs';
import { acknowledgeControl } from './acknowledge';

const IAM5 = 'AwsSolutions::AwsSolutions-IAM5';

/** Wildcard actions of aws-cdk-lib's grants on an asset bucket and a key (the variants of one operation each). */
const ASSET_AND_KEY_GRANT_ACTIONS = [
  'kms:GenerateDataKey*',
  'kms:ReEncrypt*',
  's3:GetBucket*',
  's3:GetObject*',
  's3:List*',
];

export interface DataPipelineParts {
  readonly sparkJob: SparkJob;
  readonly dbtProject: DbtProject;
  /** The training pipeline the data pipeline starts and follows. */
  readonly trainingPipeline: sfn.IStateMachine;
  /** The key of the job's logs and the builds' artifacts. */
  readonly logsKey: kms.IKey;
}

/**
 * The accepted cdk-nag findings of one model's data pipeline, each with its reason, by exact
 * resource: what aws-cdk-lib's Glue, CodeBuild and Step Functions integrations name by pattern
 * because AWS names the thing at run time. Every other finding still fails synth. (The data
 * pipeline's prefixes and tables are explained with the platform's other wildcards,
 * `explainedWildcards`.)
 */
export class AcknowledgeDataPipelineFindings implements IAspect {
  constructor(private readonly parts: DataPipelineParts) {}

  public visit(node: IConstruct): void {
    if (node === this.parts.dbtProject.project.node.defaultChild) {
      acknowledgeControl(
        node,
        'CodeBuildProjectSourceRepoUrl',
        'Its source is an S3 asset (the dbt project), not a GitHub or Bitbucket repository: there is no OAuth to use',
      );
    }
    if (!(node instanceof iam.CfnPolicy)) return;
    const explained = this.explained(Stack.of(node));
    const findings = rules.iam.IAMNoWildcardPermissions(node);
    for (const finding of Array.isArray(findings) ? findings : []) {
      const action = finding.startsWith('Action::') ? finding.slice('Action::'.length) : undefined;
      const reason =
        explained.get(finding) ??
        (action && ASSET_AND_KEY_GRANT_ACTIONS.includes(action) && this.onlyAssetsAndKeys(node, action)
          ? `aws-cdk-lib's read grant on the CDK asset bucket (the job's script, the dbt project) or its encryption grant on the environment's operations key: ${action} covers the variants of one operation`
          : undefined);
      if (reason) Validations.of(node).acknowledge({ id: `${IAM5}[${finding}]`, reason });
    }
  }

  /** The exact wildcard resources (as cdk-nag prints them) this data pipeline's roles have, and why. */
  private explained(stack: Stack): Map<string, string> {
    const { sparkJob, dbtProject, trainingPipeline } = this.parts;
    const partition = String(stack.resolve(stack.partition));
    const where = `${partition}:%s:${stack.region}:${stack.account}`;
    const arn = (service: string, rest: string) => `Resource::arn:${where.replace('%s', service)}:${rest}`;
    const projectRef = `<${stack.getLogicalId(dbtProject.project.node.defaultChild as CfnElement)}>`;
    const trainingRef = JSON.stringify(stack.resolve(trainingPipeline.stateMachineArn));
    const glueLogs = `log-group:/aws-glue/jobs/*${sparkJob.securityConfigurationName}*`;
    const bootstrapAssets = String(
      stack.resolve(
        (stack.synthesizer as { bucketName?: string }).bucketName ??
          'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}',
      ),
    )
      .replace('${AWS::AccountId}', stack.account)
      .replace('${AWS::Region}', stack.region);
    return new Map([
      [
        arn('logs', glueLogs),
        "The Spark job's log groups: Glue names them after the job's security configuration and role at run time",
      ],
      [
        arn('logs', `${glueLogs}:log-stream:*`),
        "The Spark job's log streams, which Glue names per job run (driver and executors) at run time",
      ],
      [
        arn('codebuild', `report-group/${projectRef}-*`),
        "CodeBuild's test report groups of the dbt project (aws-cdk-lib grants them; named after the project at run time)",
      ],
      [
        arn('logs', `log-group:/aws/codebuild/${projectRef}:*`),
        "CodeBuild's default log group of the dbt project (aws-cdk-lib grants it; the builds log to the encrypted DbtBuildLogs group)",
      ],
      [
        arn('logs', `log-group:${String(stack.resolve(dbtProject.logGroup.logGroupName))}:*`),
        "The dbt builds' log group (named, in the Training stack) and its streams, which CodeBuild names per build",
      ],
      [
        `Resource::arn:${partition}:s3:::${bootstrapAssets}/*`,
        "The CDK asset bucket's objects, keyed by content hash (the job's script, the dbt project); aws-cdk-lib's read grant",
      ],
      [
        arn(
          'states',
          `execution:${JSON.stringify({ 'Fn::Select': [6, { 'Fn::Split': [':', JSON.parse(trainingRef)] }] })}*`,
        ),
        "The training pipeline's executions, which the data pipeline starts, follows and stops (`.sync:2`); Step Functions names them at run time",
      ],
    ]);
  }

  /** Whether every statement granting `action` names only the CDK asset bucket or the logs key. */
  private onlyAssetsAndKeys(policy: iam.CfnPolicy, action: string): boolean {
    const stack = Stack.of(policy);
    const key = this.parts.logsKey;
    const keyId = Stack.of(key).getLogicalId(key.node.defaultChild as CfnElement);
    const document = stack.resolve(policy.policyDocument) as {
      Statement: Array<{ Action: string | string[]; Resource: unknown }>;
    };
    return document.Statement.filter((s) => [s.Action].flat().includes(action)).every((s) =>
      [s.Resource].flat().every((r) => {
        const text = JSON.stringify(r);
        // The key may be another stack's: then its ARN is an import named after its logical id.
        return /cdk-[a-z0-9]+-assets-/.test(text) || text.includes(keyId);
      }),
    );
  }
}
