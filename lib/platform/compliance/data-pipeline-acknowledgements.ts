import { type IAspect, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';
import type { SparkJob } from '../../../constructs';
import { acknowledgeExplainedWildcards, nagResource } from './build-project-acknowledgements';

export interface DataPipelineParts {
  readonly sparkJob: SparkJob;
  /** The training pipeline the data pipeline starts and follows. */
  readonly trainingPipeline: sfn.IStateMachine;
  /** The key of the job's logs and the builds' artifacts. */
  readonly logsKey: kms.IKey;
}

/**
 * The accepted cdk-nag findings of one model's data pipeline, each with its reason, by exact
 * resource: what aws-cdk-lib's Glue and Step Functions integrations name by pattern because AWS
 * names the thing at run time. Every other finding still fails synth. (The dbt project's are
 * `acknowledgeBuildFindings`'; the pipeline's prefixes and tables are explained with the
 * platform's other wildcards, `explainedWildcards`.)
 */
export class AcknowledgeDataPipelineFindings implements IAspect {
  constructor(private readonly parts: DataPipelineParts) {}

  public visit(node: IConstruct): void {
    if (!(node instanceof iam.CfnPolicy)) return;
    acknowledgeExplainedWildcards(node, this.explained(Stack.of(node)), this.parts.logsKey);
  }

  /** The exact wildcard resources (as cdk-nag prints them) the Spark job's and the state machine's roles have, and why. */
  private explained(stack: Stack): Map<string, string> {
    const { sparkJob, trainingPipeline } = this.parts;
    const trainingRef = JSON.stringify(stack.resolve(trainingPipeline.stateMachineArn));
    return new Map([
      ...sparkJob.logGroupNames.flatMap((group) => [
        ...(group.includes('*')
          ? [
              [
                nagResource(stack, 'logs', `log-group:${group}`),
                "The Spark job's log groups: Glue names them after the job's security configuration and role at run time",
              ] as const,
            ]
          : []),
        [
          nagResource(stack, 'logs', `log-group:${group}:log-stream:*`),
          "The Spark job's log streams, which Glue names per job run (driver and executors) at run time",
        ] as const,
      ]),
      [
        nagResource(
          stack,
          'states',
          `execution:${JSON.stringify({ 'Fn::Select': [6, { 'Fn::Split': [':', JSON.parse(trainingRef)] }] })}*`,
        ),
        "The training pipeline's executions, which the data pipeline starts, follows and stops (`.sync:2`); Step Functions names them at run time",
      ],
    ]);
  }
}
