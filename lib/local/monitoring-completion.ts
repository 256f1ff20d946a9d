import type { JsonObject } from '../../cfn/json-values';
import { type Delivery, deliverEvent } from './event-bus';
import type { StepRunner } from './emulator-up';
import type { LocalDeployment } from './local-deployment';
import { type LocalTrainResult, localTrain, type PipelineInput } from './local-train';

/** A monitoring check's processing job as it completed. */
export interface CompletedCheck {
  readonly jobName: string;
  readonly jobArn: string;
  readonly exitMessage: string;
  readonly scheduleArn: string;
  readonly roleArn: string;
}

export interface CompletionOptions {
  readonly steps: StepRunner;
  readonly workDir?: string;
  /**
   * What a rule that starts a pipeline does: `run` the execution to its end, or `record` the start
   * it asked for (its rendered input) without running it. @default 'run'
   */
  readonly retraining?: 'run' | 'record';
}

export interface CompletionOutcome {
  /** The rules the event reached, and their targets. */
  readonly deliveries: readonly Delivery[];
  /** The input a retraining rule rendered for the pipeline it starts. */
  readonly retrainInput?: JsonObject;
  /** The retraining that ran (with `retraining: 'run'`). */
  readonly retrain?: LocalTrainResult;
}

/**
 * Sends a monitoring check's completion event ("SageMaker Processing Job State Change", as
 * Model Monitor's runs emit it) to the deployed rules, which notify and, where the environment
 * retrains, start the model's data pipeline (where it has one) or its training pipeline with the
 * input the rule renders: the path drift and model quality share.
 */
export async function deliverCheckCompletion(
  deployment: LocalDeployment,
  check: CompletedCheck,
  options: CompletionOptions,
): Promise<CompletionOutcome> {
  const { steps } = options;
  let retrain: LocalTrainResult | undefined;
  let retrainInput: JsonObject | undefined;
  const deliveries = await steps.step(
    "deliver the check's completion event to the deployed rules",
    async () => {
      const delivered = await deliverEvent(
        deployment,
        {
          source: 'aws.sagemaker',
          detailType: 'SageMaker Processing Job State Change',
          resources: [check.jobArn],
          detail: {
            ProcessingJobName: check.jobName,
            ProcessingJobArn: check.jobArn,
            ProcessingJobStatus: 'Completed',
            ExitMessage: check.exitMessage,
            MonitoringScheduleArn: check.scheduleArn,
            RoleArn: check.roleArn,
          },
        },
        async (stateMachineArn, input: JsonObject) => {
          const retrained = deployment.config.models.find(
            (m) =>
              deployment.ref(deployment.dataPipeline(m.name) ?? deployment.trainingPipeline(m.name)) ===
              stateMachineArn,
          );
          if (!retrained)
            throw new Error(`no pipeline ${stateMachineArn} of a model in the local environment`);
          retrainInput = input;
          if (options.retraining === 'record') {
            steps.detail(`retraining ${retrained.name} asked for (not run here): ${JSON.stringify(input)}`);
            return;
          }
          steps.detail(`retraining ${retrained.name}: ${JSON.stringify(input)}`);
          retrain = await localTrain(deployment, {
            model: retrained.name,
            input: input as unknown as PipelineInput,
            steps,
            workDir: options.workDir,
          });
        },
      );
      for (const d of delivered) steps.detail(`${d.rule} -> ${d.targetArn.split(':').slice(-1)[0]}`);
      return delivered;
    },
  );
  return { deliveries, retrainInput, retrain };
}
