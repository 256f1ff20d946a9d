import {
  CreateModelPackageGroupCommand,
  DescribeModelPackageGroupCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { modelResourceName, type NameParts } from '../../config';
import { type AssemblyStack, resourcesOfType } from './emulator-assembly';

/** How `mlenv local` meets one thing the emulator (moto 5.2.5) does not do as AWS does. */
export interface EmulatorGap {
  readonly what: string;
  readonly workaround: string;
}

/**
 * Every emulator gap the local environment works around or accepts (docs/contributing/emulator-gaps.md lists them).
 * "Skipped" resources are reported CREATE_COMPLETE by moto's CloudFormation but never created.
 */
export const EMULATOR_GAPS: readonly EmulatorGap[] = [
  {
    what: 'AWS::KMS::Key Tags handed to a tagger expecting TagKey/TagValue (the stack fails with "Fn::GetAtt references undefined resource")',
    workaround:
      'the launcher (lib/local/emulator/moto_server.py) converts the tags before moto creates the key',
  },
  {
    what: 'AWS::SSM::Parameter Tags (a map) iterated as a list (HTTP 500)',
    workaround: 'the launcher converts the map to a list of Key/Value before moto creates the parameter',
  },
  {
    what: 'AWS::SageMaker::Model without PrimaryContainer (a model of Containers naming its package) fails with a swallowed KeyError',
    workaround:
      'the launcher passes PrimaryContainer as absent, so moto records the model with its Containers',
  },
  {
    what: 'Glue, Athena and CodeBuild resources are not created by moto\'s CloudFormation (AWS::Glue::SecurityConfiguration, Job and Database, AWS::Athena::WorkGroup, AWS::CodeBuild::Project): a Ref to one is "None", a Fn::GetAtt fails the stack',
    workaround:
      "the launcher creates, updates and deletes them through moto's Glue, Athena and CodeBuild backends, with their properties; Ref is the name, Fn::GetAtt the attributes AWS has (a project's Arn)",
  },
  {
    what: 'AWS::SageMaker::MlflowTrackingServer is skipped (moto has no SageMaker MLflow)',
    workaround:
      "an MLflow server on loopback (lib/local/mlflow-server.ts, started by `mlenv local up`) stands in for it: a run recorder build deployed with the server's ARN records in it; nothing in the templates refers to the server's Ref or attributes",
  },
  {
    what: 'AWS::CodeArtifact::Domain and Repository (moto has no CodeArtifact)',
    workaround:
      "none needed: the local environment has no VPC (network: none), so its templates have no package repository and its builds log in nowhere; local builds skip their install phase and run with the project's .venv (installed from requirements-dev.lock with --require-hashes)",
  },
  {
    what: "a log group's KmsKeyId is dropped (moto reads kmsKeyId)",
    workaround:
      'the launcher passes it on under that name too, so the group is reported encrypted with its key',
  },
  {
    what: 'stack updates fail (HTTP 500) on a parameter passed with UsePreviousValue that moto did not record (BootstrapVersion)',
    workaround: 'the launcher resolves such a parameter as on create (its default)',
  },
  {
    what: "stack updates do not pass a replaced resource's new name on to the resources that refer to it (a new SageMaker model, but the endpoint config keeps naming the old one)",
    workaround:
      'the launcher also modifies the AWS::SageMaker:: resources that refer to a modified one, after it: a new pin updates the endpoint in place, as on AWS',
  },
  {
    what: 'EventBridge TestEventPattern not implemented; no event reaches a Step Functions target, and SageMaker sends no events',
    workaround:
      "the launcher answers TestEventPattern with moto's own matcher; `mlenv local drift` sends the check's completion event to the deployed rules itself and starts the pipeline target locally",
  },
  {
    what: 'Step Functions cannot run SageMaker .sync tasks, and does not run machines created by CloudFormation',
    workaround:
      'the deployed definition is read back and run with aws-local-stepfunctions; SageMaker jobs run on this machine under their container contracts and are recorded in the emulator; every call is checked against the deployed policies first',
  },
  {
    what: "aws-local-stepfunctions 3, which runs the deployed definitions, runs no JSONata state (the state machines' checks of run-time strings are JSONata Choice states, for their regular expressions)",
    workaround:
      "each JSONata Choice state runs as a Task state of the same name whose local handler evaluates its Conditions in order with the jsonata package (cfn/jsonata-choices.ts): the first true rule's Next, else Default, the input unchanged; a JSONata Pass state runs as a Task whose handler evaluates its Output over its input; any other JSONata state is refused",
  },
  {
    what: 'SageMaker hyperparameter tuning: CreateHyperParameterTuningJob makes up a Completed job whose best training job is "FakeTrainingJobName"; ListTrainingJobsForHyperParameterTuningJob and StopHyperParameterTuningJob are not implemented',
    workaround:
      "the runner runs the trials one after another here and records the tuning job over moto's (POST /_mlenv/records/hyper-parameter-tuning-job) and each trial as a training job with its TuningJobArn; the launcher (lib/local/emulator/local_records.py) answers ListTrainingJobsForHyperParameterTuningJob from them and stops a running tuning job and its trials",
  },
  {
    what: 'SageMaker endpoints, monitoring schedules and DataQualityJobDefinitions do not run (the last two are skipped)',
    workaround:
      "a stand-in serves the endpoint's package under its name (lib/local/python/serving_standin.py) and uploads capture when a smoke test ends; `mlenv local drift` runs the deployed job definition once with the Model Monitor stand-in",
  },
  {
    what: "SageMaker Runtime's InvokeEndpoint answers 200 with the body `body` for any endpoint and any payload",
    workaround:
      "the launcher answers `POST /endpoints/<name>/invocations` itself (lib/local/emulator/runtime_api.py): the stand-in serving the endpoint answers, with SageMaker's headers; an endpoint the caller's account and region do not have, or that no stand-in serves, is a ValidationError, a non-2xx answer a ModelError with its status and body. InvokeEndpointAsync is a ValidationError (moto answers 200): no endpoint is served asynchronously",
  },
  {
    what: 'Glue job runs, CodeBuild builds and Athena queries do not run (SUCCEEDED at once)',
    workaround:
      "the local environment runs the Glue job with Spark in local mode and a build's own commands on this machine (dbt with its DuckDB target; the run recorder with the local MLflow server)",
  },
  {
    what: 'template URLs on 127.0.0.1 read as bucket "127" (NoSuchBucket)',
    workaround:
      'AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION=http://localhost:<port> (moto reads localhost URLs path-style)',
  },
  {
    what: 'change sets record no stack outputs',
    workaround: 'cdk deploy --method=direct',
  },
  {
    what: 'AWS::SageMaker::ModelPackageGroup skipped',
    workaround: 'the groups of the deployed template are created through the SageMaker API after the deploy',
  },
  {
    what: 'AWS::SNS::TopicPolicy skipped',
    workaround: 'none needed locally (publishers are checked against the synthesized policies)',
  },
  {
    what: 'AWS::S3::BucketPolicy skipped',
    workaround: 'none needed locally (TLS-only and access rules are checked on the synthesized templates)',
  },
  { what: 'AWS::CloudWatch::Alarm skipped', workaround: 'none: no alarms locally' },
  { what: 'AWS::Budgets::Budget skipped', workaround: 'none: no budget locally' },
  {
    what: 'S3 bucket versioning, lifecycle rules and EventBridge notifications dropped',
    workaround:
      'none: objects are not versioned locally; lifecycle and notifications are tested on the templates',
  },
];

/** A package group the deploy should have created. */
export interface PackageGroup {
  readonly name: string;
  readonly created: boolean;
}

/**
 * Creates the model package groups of the deployed stage's templates that the emulator skipped
 * (with their description and tags), leaving existing ones alone. Each configured model must have
 * its group in the templates, under the name the configuration derives for it.
 */
export async function createSkippedPackageGroups(
  sagemaker: Pick<SageMakerClient, 'send'>,
  stacks: readonly AssemblyStack[],
  names: NameParts,
  models: readonly string[],
): Promise<PackageGroup[]> {
  const groups = resourcesOfType(stacks, 'AWS::SageMaker::ModelPackageGroup').map(({ properties }) => ({
    name: String(properties.ModelPackageGroupName),
    description: properties.ModelPackageGroupDescription as string | undefined,
    tags: (properties.Tags as { Key: string; Value: string }[] | undefined) ?? [],
  }));
  const missing = models
    .map((model) => modelResourceName(names, model))
    .filter((name) => !groups.some((g) => g.name === name));
  if (missing.length > 0) {
    throw new Error(`the deployed templates have no model package group ${missing.join(', ')}`);
  }
  const result: PackageGroup[] = [];
  for (const group of groups) {
    if (await groupExists(sagemaker, group.name)) {
      result.push({ name: group.name, created: false });
      continue;
    }
    await sagemaker.send(
      new CreateModelPackageGroupCommand({
        ModelPackageGroupName: group.name,
        ModelPackageGroupDescription: group.description,
        Tags: group.tags,
      }),
    );
    result.push({ name: group.name, created: true });
  }
  return result;
}

async function groupExists(sagemaker: Pick<SageMakerClient, 'send'>, name: string): Promise<boolean> {
  try {
    await sagemaker.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: name }));
    return true;
  } catch (error) {
    const e = error as { name?: string; message?: string };
    if (
      e.name === 'ValidationException' ||
      e.name === 'ResourceNotFound' ||
      /does not exist|not found/i.test(e.message ?? '')
    ) {
      return false;
    }
    throw error;
  }
}
