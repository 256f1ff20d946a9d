import './promise-with-resolvers';
import { StateMachine } from 'aws-local-stepfunctions';
import { asList, asObject, type JsonObject } from '../../../cfn/json-values';
import { locallyRunnable } from '../../../cfn/jsonata-choices';
import { parseArn } from '../calls/arns';

/** Stand-ins for the ids services give a job run, a build, a child execution. */
const SAMPLE_JOB_RUN_ID = `jr_${'0123456789abcdef'.repeat(4)}`;
/** An S3 version id, as S3 gives them (HEAD of a versioned bucket's object). */
const SAMPLE_VERSION_ID = 'sample.version.0123456789abcdefgh';
const SAMPLE_UUID = '01234567-89ab-4def-8123-456789abcdef';

/** What a sample execution of a state machine did: the parameters each Task state was called with. */
export interface SampleExecution {
  readonly status: 'SUCCEEDED' | 'FAILED';
  /** Why it failed, when it did. */
  readonly failure?: string;
  /** The resolved parameters of each Task state, by state name, as first called. */
  readonly taskParameters: ReadonlyMap<string, JsonObject>;
  readonly executionArn: string;
}

export interface SampleExecutionOptions {
  readonly input: JsonObject;
  /** @default 'authorization-check' */
  readonly executionName?: string;
  /**
   * The body of an S3 object the execution reads (`s3://bucket/key`), for a state that decides on
   * it (a metrics file behind a quality gate). @default '{}'
   */
  readonly objectBody?: (s3Uri: string) => string;
  /**
   * The variables a CodeBuild project's builds export (its buildspec's `env.exported-variables`),
   * which a `.sync` build's answer lists, each with a sample value. @default - none
   */
  readonly exportedVariables?: (projectName: string) => readonly string[];
  /**
   * The approved packages of a model package group (`ModelPackageGroupName`), newest first, as
   * DescribeModelPackage answers them (with their `ModelPackageArn`): what a state that lists and
   * reads a group's approved packages finds (the champion a new model is compared with).
   * @default - none
   */
  readonly approvedPackages?: (groupName: string) => readonly JsonObject[];
}

/** What a build exports, in a sample build's answer (an MLflow run's id has this shape). */
export const SAMPLE_EXPORTED_VALUE = '0123456789abcdef0123456789abcdef';

/**
 * Runs `definition` with aws-local-stepfunctions (so JSONPath, intrinsic functions and Choice
 * rules are evaluated as Step Functions would) and records each Task state's parameters. The
 * tasks are answered locally the way the services answer: a `.sync` SageMaker job completes (a
 * training job's model lands at `<S3OutputPath><job name>/output/model.tar.gz`, SageMaker's
 * documented layout), `createModelPackage` returns version 1 of the group, S3 `getObject` returns
 * `objectBody` and `headObject` a version id, `listModelPackages` and `describeModelPackage` the
 * `approvedPackages` of the group (none by default), SNS returns a message id, a Glue job run, a CodeBuild build (with the variables
 * it exports) and a child execution succeed (with their ids).
 */
export async function runSampleExecution(
  definition: JsonObject,
  stateMachineArn: string,
  options: SampleExecutionOptions,
): Promise<SampleExecution> {
  const arn = parseArn(stateMachineArn);
  if (!arn) throw new Error(`Not a state machine ARN: ${stateMachineArn}`);
  const sageMakerArn = (kind: string, name: unknown) =>
    `arn:${arn.partition}:sagemaker:${arn.region}:${arn.account}:${kind}/${String(name).toLowerCase()}`;
  const taskParameters = new Map<string, JsonObject>();
  const answer = (resource: string, parameters: JsonObject): JsonObject => {
    const pattern = /(\.sync(:2)?|\.waitForTaskToken)$/.exec(resource)?.[1];
    const integration = resource
      .replace(/^arn:[^:]+:states:::/, '')
      .replace(/\.(sync(:2)?|waitForTaskToken)$/, '');
    switch (integration) {
      case 'sagemaker:createProcessingJob':
        return {
          ProcessingJobName: parameters.ProcessingJobName,
          ProcessingJobArn: sageMakerArn('processing-job', parameters.ProcessingJobName),
          ProcessingJobStatus: 'Completed',
        };
      case 'sagemaker:createTrainingJob': {
        const outputPath = String(asObject(parameters.OutputDataConfig)?.S3OutputPath ?? '');
        return {
          TrainingJobName: parameters.TrainingJobName,
          TrainingJobArn: sageMakerArn('training-job', parameters.TrainingJobName),
          TrainingJobStatus: 'Completed',
          ModelArtifacts: {
            S3ModelArtifacts: `${outputPath.replace(/\/?$/, '/')}${String(parameters.TrainingJobName)}/output/model.tar.gz`,
          },
        };
      }
      case 'aws-sdk:sagemaker:createModelPackage':
        return {
          ModelPackageArn: sageMakerArn('model-package', `${String(parameters.ModelPackageGroupName)}/1`),
        };
      case 'aws-sdk:sagemaker:listModelPackages': {
        const group = String(parameters.ModelPackageGroupName).split('/').at(-1)!;
        const approved =
          parameters.ModelApprovalStatus === 'Approved' ? options.approvedPackages?.(group) : [];
        return {
          ModelPackageSummaryList: (approved ?? [])
            .slice(0, typeof parameters.MaxResults === 'number' ? parameters.MaxResults : undefined)
            .map((p) => ({
              ModelPackageArn: p.ModelPackageArn,
              ModelPackageGroupName: group,
              ModelApprovalStatus: 'Approved',
            })),
        };
      }
      case 'aws-sdk:sagemaker:describeModelPackage': {
        const group = /:model-package\/([^/]+)\/\d+$/.exec(String(parameters.ModelPackageName))?.[1] ?? '';
        const found = options
          .approvedPackages?.(group)
          .find((p) => p.ModelPackageArn === parameters.ModelPackageName);
        if (!found)
          throw new Error(`no model package ${String(parameters.ModelPackageName)} in the sample registry`);
        return found;
      }
      case 'aws-sdk:s3:getObject':
        return {
          Body: options.objectBody?.(`s3://${String(parameters.Bucket)}/${String(parameters.Key)}`) ?? '{}',
          ContentType: 'application/json',
        };
      case 'aws-sdk:s3:headObject':
        return { VersionId: SAMPLE_VERSION_ID, ContentLength: 1 };
      case 'sns:publish':
        return { MessageId: 'sample-message' };
      case 'glue:startJobRun':
        return {
          JobName: parameters.JobName,
          Id: SAMPLE_JOB_RUN_ID,
          ...(pattern === '.sync' ? { JobRunState: 'SUCCEEDED' } : {}),
        };
      case 'codebuild:startBuild': {
        const id = `${String(parameters.ProjectName)}:${SAMPLE_UUID}`;
        return {
          Build: {
            Id: id,
            Arn: `arn:${arn.partition}:codebuild:${arn.region}:${arn.account}:build/${id}`,
            ProjectName: parameters.ProjectName,
            ...(pattern === '.sync'
              ? {
                  BuildStatus: 'SUCCEEDED',
                  ExportedEnvironmentVariables: (
                    options.exportedVariables?.(String(parameters.ProjectName)) ?? []
                  ).map((Name) => ({ Name, Value: SAMPLE_EXPORTED_VALUE })),
                }
              : { BuildStatus: 'IN_PROGRESS' }),
          },
        };
      }
      case 'states:startExecution': {
        const child = parseArn(String(parameters.StateMachineArn));
        const name = typeof parameters.Name === 'string' ? parameters.Name : SAMPLE_UUID;
        const executionArn = child
          ? `arn:${child.partition}:states:${child.region}:${child.account}:execution:${child.resource.replace(/^stateMachine:/, '')}:${name}`
          : '';
        const started = { ExecutionArn: executionArn, StartDate: '2026-11-30T00:00:00.000Z' };
        // `.sync:2` returns the child's output as JSON, `.sync` as a string.
        if (pattern === '.sync:2') return { ...started, Status: 'SUCCEEDED', Output: {} };
        if (pattern === '.sync') return { ...started, Status: 'SUCCEEDED', Output: '{}' };
        return started;
      }
      default:
        return {};
    }
  };

  const tasks = statesOfType(definition, 'Task');
  const handlers = Object.fromEntries(
    tasks.map(({ name, state }) => [
      name,
      (input: unknown) => {
        const parameters = asObject(input) ?? {};
        if (!taskParameters.has(name)) taskParameters.set(name, parameters);
        return answer(String(state.Resource), parameters) as never;
      },
    ]),
  );
  const executionName = options.executionName ?? 'authorization-check';
  const executionArn = `arn:${arn.partition}:states:${arn.region}:${arn.account}:execution:${arn.resource.replace(/^stateMachine:/, '')}:${executionName}`;
  // JSONata Choice states (the input checks) are evaluated by a local stand-in, as aws-local-stepfunctions runs none.
  const runnable = locallyRunnable(definition);
  const machine = new StateMachine(runnable.definition as never, { validationOptions: { checkArn: false } });
  const execution = machine.run(options.input as never, {
    overrides: {
      taskResourceLocalHandlers: { ...runnable.handlers, ...handlers } as never,
      retryIntervalOverrides: Object.fromEntries(tasks.map(({ name }) => [name, 0])),
      waitTimeOverrides: Object.fromEntries(statesOfType(definition, 'Wait').map(({ name }) => [name, 0])),
    },
    context: {
      Execution: {
        Id: executionArn,
        Name: executionName,
        Input: options.input as never,
        StartTime: '2026-11-30T00:00:00.000Z',
        RoleArn: '',
      },
      StateMachine: { Id: stateMachineArn, Name: arn.resource.replace(/^stateMachine:/, '') },
    } as never,
  });
  try {
    await execution.result;
    return { status: 'SUCCEEDED', taskParameters, executionArn };
  } catch (error) {
    const cause = (error as { cause?: { name?: string; message?: string } }).cause;
    const failure = `${cause?.name ?? (error as Error).name}: ${cause?.message ?? (error as Error).message}`;
    return { status: 'FAILED', failure, taskParameters, executionArn };
  }
}

/** Every state of `type`, nested ones too, by the name aws-local-stepfunctions knows it by. */
function statesOfType(definition: JsonObject, type: string): Array<{ name: string; state: JsonObject }> {
  return Object.entries(asObject(definition.States) ?? {}).flatMap(([name, value]) => {
    const state = asObject(value) ?? {};
    const nested = [...asList(state.Branches), ...asList(state.Iterator), ...asList(state.ItemProcessor)];
    return [
      ...(state.Type === type ? [{ name, state }] : []),
      ...nested.flatMap((branch) => statesOfType(asObject(branch) ?? {}, type)),
    ];
  });
}
