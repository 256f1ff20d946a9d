import { pascalCase } from '../../cfn/pascal-case';
import { DatasetLayout } from '../../constructs/common/dataset-layout';
import { asObject, type JsonObject } from '../../cfn/json-values';
import { AuthorizationModel } from '../../lib/tools/authorization';
import type { DeployedResource } from '../../lib/tools/calls/deployed-assembly';
import { type IntegrationBackend, runAuthorizedExecution } from '../../lib/local/authorized-execution';
import { ModelStack } from '../../lib/platform/stacks/model-stack';
import { platformAssembly } from '../support/platform';
import { TRAINING_ANSWERS } from '../support/pipeline-harness';
import { grants, withoutStatements } from '../support/without-statements';

const { assembly, config } = platformAssembly();
const authz = AuthorizationModel.fromAssembly(assembly);
const stateMachines = authz.inventory.deployed.ofType('AWS::StepFunctions::StateMachine');
const ofPart = (part: string) =>
  stateMachines.filter((m) => config.models.some((model) => m.path === ModelStack.pathOf(model.name, part)));
/** Every environment's training pipelines, and data pipelines (of the models that have one). */
const machines = ofPart('Pipeline/StateMachine');
const dataPipelines = ofPart('DataPipeline/StateMachine');

/** The configured environment and model a training pipeline belongs to. */
function ownerOf(machine: DeployedResource) {
  const env = config.environments.find((e) => e.stageId === machine.stage.id)!;
  const model = config.models.find((m) => machine.path.startsWith(`${pascalCase(m.name)}Model/`))!;
  return { env, model };
}

/** Answers the integrations as the services do; `published` collects SNS messages. */
function servicesFor(machine: DeployedResource, published: JsonObject[]): IntegrationBackend {
  const { model } = ownerOf(machine);
  const { metric, operator, threshold } = model.qualityGate;
  const passing = operator.startsWith('>') ? threshold + 0.01 : threshold - 0.01;
  const arn = (kind: string, name: unknown) =>
    `arn:aws:sagemaker:${machine.stage.region}:${machine.stage.account}:${kind}/${String(name)}`;
  return async (integration, p) => {
    switch (integration) {
      case 'sagemaker:createProcessingJob':
        return {
          ProcessingJobName: p.ProcessingJobName,
          ProcessingJobArn: arn('processing-job', p.ProcessingJobName),
        };
      case 'sagemaker:createTrainingJob':
        return {
          TrainingJobName: p.TrainingJobName,
          TrainingJobArn: arn('training-job', p.TrainingJobName),
          ModelArtifacts: {
            S3ModelArtifacts: `${String(asObject(p.OutputDataConfig)?.S3OutputPath)}${String(p.TrainingJobName)}/output/model.tar.gz`,
          },
        };
      // DescribeHyperParameterTuningJob of the finished tuning job, as the pipeline harness answers it.
      case 'sagemaker:createHyperParameterTuningJob':
        return TRAINING_ANSWERS.Tune(p);
      case 'aws-sdk:s3:getObject':
        if (p.Key === DatasetLayout.latestKey(model.name))
          return { Body: JSON.stringify(DatasetLayout.latest(String(p.Bucket), model.name, VERSION)) };
        return {
          Body: JSON.stringify({
            [`${model.problemType}_metrics`]: { [metric]: { value: passing } },
            mlenv_artifact: { sha256: 'a'.repeat(64), files_sha256: 'b'.repeat(64) },
          }),
        };
      case 'aws-sdk:s3:headObject':
        return { VersionId: 'null' };
      case 'aws-sdk:sagemaker:createModelPackage':
        return { ModelPackageArn: arn('model-package', `${String(p.ModelPackageGroupName)}/1`) };
      case 'sns:publish':
        published.push(p);
        return { MessageId: 'local' };
      // The run recorder's builds (RecordRun exports the id of the run it recorded).
      case 'codebuild:startBuild':
        return {
          Build: {
            Id: `${String(p.ProjectName)}:1`,
            BuildStatus: 'SUCCEEDED',
            ExportedEnvironmentVariables: [
              { Name: 'MLFLOW_RUN_ID', Value: '0123456789abcdef0123456789abcdef' },
            ],
          },
        };
      default:
        throw new Error(`no local service for ${integration}`);
    }
  };
}

/** The version the model's latest.json names. */
const VERSION = '0123456789abcdef';

const rawBucketOf = (machine: DeployedResource) => {
  const { env } = ownerOf(machine);
  return `${config.project}-${env.name}-${env.account}-${env.region}-raw`;
};

const inputOf = (machine: DeployedResource) => {
  const { model } = ownerOf(machine);
  return {
    datasetS3Uri: `s3://${rawBucketOf(machine)}/${model.name}/data.csv`,
    datasetVersion: 'v1',
    reason: 'test',
  };
};

describe.each(machines.map((m) => [`${m.stage.id}/${m.path}`, m] as const))(
  'a local execution of %s',
  (_id, machine) => {
    test('runs every step, each call it makes checked against the deployed policies and allowed', async () => {
      const published: JsonObject[] = [];
      const events: string[] = [];
      const run = await runAuthorizedExecution({
        stateMachine: machine,
        definition: authz.inventory.deployed.definition(machine),
        authz,
        backend: servicesFor(machine, published),
        input: inputOf(machine),
        executionName: 'local-test',
        onEvent: (e) => events.push(`${e.kind} ${e.state}`),
      });
      expect({ status: run.status, error: run.error, cause: run.cause }).toEqual({
        status: 'SUCCEEDED',
        error: undefined,
        cause: undefined,
      });
      expect(run.checked.filter((c) => !c.decision.allowed).map((c) => c.decision.explanation)).toEqual([]);
      // Every Task state that ran made checked calls, through its role and its job's role.
      const ran = events.filter((e) => e.startsWith('succeeded ')).map((e) => e.slice('succeeded '.length));
      expect(ran.length).toBeGreaterThan(4);
      for (const state of ran)
        expect(run.checked.some((c) => c.call.origin.includes(`state ${state}`))).toBe(true);
      expect(run.checked.some((c) => c.call.principal.includes('JobRole'))).toBe(true);
      expect(published.map((p) => p.Subject)).toEqual([expect.stringMatching(/registered/)]);
    });

    test('a call the policies deny fails its step with AccessDenied, as on AWS, and the failure is notified', async () => {
      // The same deployment, but the state machine's role may no longer create processing jobs.
      const denied = AuthorizationModel.fromAssembly(assembly);
      withoutStatements(
        denied.inventory,
        String(machine.properties.RoleArn),
        (s) => s.Sid === 'RunProcessingJobs',
      );
      const published: JsonObject[] = [];
      const run = await runAuthorizedExecution({
        stateMachine: machine,
        definition: denied.inventory.deployed.definition(machine),
        authz: denied,
        backend: servicesFor(machine, published),
        input: inputOf(machine),
        executionName: 'local-denied',
      });
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('SageMaker.AmazonSageMakerException');
      expect(run.cause).toMatch(
        /^AccessDenied: .* is not authorized to perform sagemaker:CreateProcessingJob on arn:aws:sagemaker:/,
      );
      expect(published.map((p) => p.Subject)).toEqual([expect.stringMatching(/failed/)]);
    });

    test("on 'latest', the pipeline may read its model's latest.json, and its jobs the version it names", async () => {
      const { model } = ownerOf(machine);
      const raw = rawBucketOf(machine);
      const run = await runAuthorizedExecution({
        stateMachine: machine,
        definition: authz.inventory.deployed.definition(machine),
        authz,
        backend: servicesFor(machine, []),
        input: { datasetS3Uri: `s3://${raw}/${model.name}/`, datasetVersion: 'latest', reason: 'schedule' },
        executionName: 'local-latest',
      });
      expect({ status: run.status, error: run.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
      expect(run.checked.filter((c) => !c.decision.allowed).map((c) => c.decision.explanation)).toEqual([]);
      const reads = run.checked.filter((c) => c.call.action === 's3:GetObject').map((c) => c.call);
      expect(reads).toContainEqual(
        expect.objectContaining({
          principal: String(machine.properties.RoleArn),
          resource: `arn:aws:s3:::${raw}/${model.name}/latest.json`,
        }),
      );
      expect(reads).toContainEqual(
        expect.objectContaining({
          resource: expect.stringContaining(`arn:aws:s3:::${raw}/${model.name}/versions/${VERSION}/`),
        }),
      );
    });
  },
);

describe.each(dataPipelines.map((m) => [`${m.stage.id}/${m.path}`, m] as const))(
  'a local execution of %s',
  (_id, machine) => {
    const { model } = ownerOf(machine);
    const training = machines.find((m) => m.stage === machine.stage && ownerOf(m).model === model)!;
    /** The services, and the training pipeline run as the child execution it is. */
    const services = (published: JsonObject[], deniedTo?: AuthorizationModel): IntegrationBackend => {
      const trainingServices = servicesFor(training, published);
      return async (integration, p, state) => {
        switch (integration) {
          case 'glue:startJobRun':
            return { Id: 'jr_1', JobName: p.JobName, JobRunState: 'SUCCEEDED' };
          case 'codebuild:startBuild':
            return { Build: { Id: `${String(p.ProjectName)}:1`, BuildStatus: 'SUCCEEDED' } };
          case 'states:startExecution': {
            expect(p.StateMachineArn).toBe(authz.inventory.deployed.ref(training));
            const child = await runAuthorizedExecution({
              stateMachine: training,
              definition: authz.inventory.deployed.definition(training),
              authz: deniedTo ?? authz,
              backend: trainingServices,
              input: p.Input as JsonObject,
              executionName: 'child',
            });
            childChecked.push(...child.checked);
            if (child.status !== 'SUCCEEDED') throw new Error(`${child.error}: ${child.cause}`);
            return { ExecutionArn: 'child', Status: 'SUCCEEDED', Output: child.output as JsonObject };
          }
          default:
            return trainingServices(integration, p, state);
        }
      };
    };
    const childChecked: Awaited<ReturnType<typeof runAuthorizedExecution>>['checked'][number][] = [];

    test('cleans, builds the features, then trains on them: every call of every step, its jobs and the child training checked and allowed', async () => {
      childChecked.length = 0;
      const published: JsonObject[] = [];
      const events: string[] = [];
      const raw = rawBucketOf(machine);
      const run = await runAuthorizedExecution({
        stateMachine: machine,
        definition: authz.inventory.deployed.definition(machine),
        authz,
        backend: services(published),
        input: { datasetS3Uri: `s3://${raw}/${model.name}/`, datasetVersion: 'latest', reason: 'new-data' },
        executionName: 'local-data',
        onEvent: (e) => events.push(`${e.kind} ${e.state}`),
      });
      expect({ status: run.status, error: run.error, cause: run.cause }).toEqual({
        status: 'SUCCEEDED',
        error: undefined,
        cause: undefined,
      });
      const all = [...run.checked, ...childChecked];
      expect(all.filter((c) => !c.decision.allowed).map((c) => c.decision.explanation)).toEqual([]);
      expect(events.filter((e) => e.startsWith('succeeded '))).toEqual(
        ['ReadLatestDatasetVersion', 'CleanRawData', 'BuildFeatures', 'Train'].map((s) => `succeeded ${s}`),
      );
      // The Spark job's and the dbt build's own requests were checked, through their roles.
      const principals = new Set(run.checked.map((c) => c.call.principal));
      const glueJob = authz.inventory.deployed
        .ofType('AWS::Glue::Job')
        .find((j) => j.stage === machine.stage)!;
      // The dbt build's project: the one BuildFeatures starts.
      const buildFeatures = asObject(
        asObject(authz.inventory.deployed.definition(machine).States)?.BuildFeatures,
      );
      const project = authz.inventory.deployed
        .ofType('AWS::CodeBuild::Project')
        .find(
          (j) =>
            j.stage === machine.stage &&
            authz.inventory.deployed.ref(j) === asObject(buildFeatures?.Parameters)?.ProjectName,
        )!;
      expect(principals).toContain(String(glueJob.properties.Role));
      expect(principals).toContain(String(project.properties.ServiceRole));
      // Training ran on the version's features, registered, and said so.
      expect(childChecked.length).toBeGreaterThan(0);
      expect(published.map((p) => p.Subject)).toEqual([expect.stringMatching(/registered/)]);
    });

    test('a call the policies deny fails its step, nothing after it runs, and the failure is notified', async () => {
      // The same deployment, but the state machine's role may no longer start the Spark job.
      const denied = AuthorizationModel.fromAssembly(assembly);
      withoutStatements(denied.inventory, String(machine.properties.RoleArn), grants('glue:StartJobRun'));
      const published: JsonObject[] = [];
      const events: string[] = [];
      // The same state machine, as the changed model holds it (resources are looked up by stage).
      const same = denied.inventory.deployed
        .ofType('AWS::StepFunctions::StateMachine')
        .find((m) => m.stage.id === machine.stage.id && m.logicalId === machine.logicalId)!;
      const run = await runAuthorizedExecution({
        stateMachine: same,
        definition: denied.inventory.deployed.definition(same),
        authz: denied,
        backend: services(published, denied),
        input: {
          datasetS3Uri: DatasetLayout.versionUri(rawBucketOf(machine), model.name, VERSION),
          datasetVersion: VERSION,
          reason: 'manual',
        },
        executionName: 'local-data-denied',
        onEvent: (e) => events.push(`${e.kind} ${e.state}`),
      });
      expect(run.status).toBe('FAILED');
      expect(events).toContain('failed CleanRawData');
      expect(events.some((e) => /BuildFeatures|Train$/.test(e))).toBe(false);
      expect(published.map((p) => p.Subject)).toEqual(['mlenv data pipeline failed']);
      expect(JSON.stringify(published[0].Message)).toMatch(/not authorized to perform glue:StartJobRun/);
    });
  },
);
