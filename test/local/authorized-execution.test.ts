import { pascalCase } from '../../constructs/common/pascal-case';
import { DatasetLayout } from '../../constructs/common/dataset-layout';
import { asList, asObject, type JsonObject } from '../../constructs/common/json-values';
import { AuthorizationModel } from '../../lib/authorization';
import type { DeployedResource } from '../../lib/authorization/deployed-assembly';
import { type IntegrationBackend, runAuthorizedExecution } from '../../lib/local/authorized-execution';
import { platformAssembly } from '../support/platform';

const { assembly, config } = platformAssembly();
const authz = AuthorizationModel.fromAssembly(assembly);
const machines = authz.inventory.deployed.ofType('AWS::StepFunctions::StateMachine');

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
      case 'aws-sdk:s3:getObject':
        if (p.Key === DatasetLayout.latestKey(model.name))
          return { Body: JSON.stringify(DatasetLayout.latest(String(p.Bucket), model.name, VERSION)) };
        return {
          Body: JSON.stringify({ [`${model.problemType}_metrics`]: { [metric]: { value: passing } } }),
        };
      case 'aws-sdk:sagemaker:createModelPackage':
        return { ModelPackageArn: arn('model-package', `${String(p.ModelPackageGroupName)}/1`) };
      case 'sns:publish':
        published.push(p);
        return { MessageId: 'local' };
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
      const roleArn = String(machine.properties.RoleArn);
      const role = denied.inventory.roles.get(roleArn)!;
      denied.inventory.roles.set(roleArn, {
        ...role,
        identityPolicies: role.identityPolicies.map((p) => ({
          ...p,
          document: {
            ...p.document,
            Statement: asList(p.document.Statement).filter((s) => asObject(s)?.Sid !== 'RunProcessingJobs'),
          },
        })),
      });
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
