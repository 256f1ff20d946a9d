import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  type DescribeModelPackageCommandOutput,
  paginateListModelPackages,
} from '@aws-sdk/client-sagemaker';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DeploymentPin, modelResourceName } from '../../config';
import { ARTIFACT_METADATA, sageMakerInferenceSourceArn } from '../../constructs';
import { origin } from '../tools/calls/run-time-call';
import { s3ReadCalls, s3WriteCalls } from '../tools/calls/s3-object-calls';
import { assumedBySageMaker, imagePullCalls } from '../tools/calls/sagemaker-runtime-calls';
import { deployStage } from './emulator-deploy';
import { EMULATOR_CREDENTIALS, emulatorEndpoint } from './emulator-env';
import { SILENT_STEPS, type StepRunner } from './emulator-up';
import { runProcess, tail } from '../jobs/run-process';
import { S3ObjectStore } from '../ops/s3-object-store';
import { LocalDeployment } from './local-deployment';
import { localPinsContext, readLocalPins, writeLocalPins } from './local-pins';
import { modelPython } from './model-python';
import { servedModelDir, type ServingRecord, servingDir, startServer } from './serving-process';
import { ModelStack } from '../platform/stacks/model-stack';

/** A registered model package, as far as serving it needs. */
export interface ServablePackage {
  readonly arn: string;
  readonly version: number;
  readonly modelDataUrl: string;
  readonly image: string;
  readonly baseline?: DeploymentPin['dataQualityBaseline'];
  /** What the package records of its artifact's files (the pin and the model carry it to serving). */
  readonly artifactFilesSha256: string;
}

/** The newest approved package of `model` in the local registry (highest version). */
export async function newestApprovedPackage(
  deployment: LocalDeployment,
  model: string,
): Promise<ServablePackage | undefined> {
  const group = modelResourceName({ project: deployment.config.project, environment: deployment.env }, model);
  let newest: { arn: string; version: number } | undefined;
  for await (const page of paginateListModelPackages(
    { client: deployment.clients.sagemaker },
    { ModelPackageGroupName: group, ModelApprovalStatus: 'Approved' },
  )) {
    for (const p of page.ModelPackageSummaryList ?? []) {
      const version = p.ModelPackageVersion ?? 0;
      if (!newest || version > newest.version) newest = { arn: p.ModelPackageArn!, version };
    }
  }
  if (!newest) return undefined;
  const described = await deployment.clients.sagemaker.send(
    new DescribeModelPackageCommand({ ModelPackageName: newest.arn }),
  );
  return servable(described, newest.version);
}

function servable(described: DescribeModelPackageCommandOutput, version: number): ServablePackage {
  const container = described.InferenceSpecification?.Containers?.[0];
  if (!container?.ModelDataUrl || !container.Image) {
    throw new Error(`${described.ModelPackageArn} has no model data or image to serve`);
  }
  const quality = described.DriftCheckBaselines?.ModelDataQuality;
  const artifactFilesSha256 = described.CustomerMetadataProperties?.[ARTIFACT_METADATA.filesSha256];
  if (!artifactFilesSha256) {
    throw new Error(
      `${described.ModelPackageArn} records no ${ARTIFACT_METADATA.filesSha256}: serving could not check its bytes; train it again`,
    );
  }
  return {
    artifactFilesSha256,
    arn: described.ModelPackageArn!,
    version,
    modelDataUrl: container.ModelDataUrl,
    image: container.Image,
    baseline:
      quality?.Statistics?.S3Uri && quality.Constraints?.S3Uri
        ? { statisticsS3Uri: quality.Statistics.S3Uri, constraintsS3Uri: quality.Constraints.S3Uri }
        : undefined,
  };
}

export interface LocalServeOptions {
  readonly model: string;
  readonly steps?: StepRunner;
}

export interface LocalServeResult {
  /** The deployment after serving (redeployed when the pin changed). */
  readonly deployment: LocalDeployment;
  readonly server: ServingRecord;
  readonly package: ServablePackage;
  /** Whether the pin changed and `Local/*` was deployed again. */
  readonly redeployed: boolean;
  /** How an application calls the endpoint: the local environment's AWS endpoint URL and its name. */
  readonly invoke: LocalEndpointCall;
}

/** How an application calls a local endpoint: SageMaker Runtime at the emulator's one URL. */
export interface LocalEndpointCall {
  /** The local environment's AWS endpoint URL (`AWS_ENDPOINT_URL`), every service's. */
  readonly endpointUrl: string;
  readonly region: string;
  readonly endpointName: string;
  /** The AWS CLI's call, with the emulator's (any) credentials: rows in `rows.csv`, the answer in `answer.json`. */
  readonly command: string;
}

/**
 * How an application calls `endpointName` in the local environment: InvokeEndpoint at the
 * emulator's URL, as on AWS (the emulator passes it to the stand-in that serves the endpoint).
 * The serving container's own route is not that: it skips SageMaker's API, its errors and headers.
 */
export function localEndpointCall(port: number, region: string, endpointName: string): LocalEndpointCall {
  const endpointUrl = emulatorEndpoint(port);
  const command = [
    `AWS_ACCESS_KEY_ID=${EMULATOR_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${EMULATOR_CREDENTIALS.secretAccessKey}`,
    `aws sagemaker-runtime invoke-endpoint --endpoint-url ${endpointUrl} --region ${region}`,
    `--endpoint-name ${endpointName} --content-type text/csv --body fileb://rows.csv answer.json`,
  ].join(' ');
  return { endpointUrl, region, endpointName, command };
}

/**
 * `mlenv local serve`: pins the model's newest approved package in the local environment's pins
 * and deploys `Local/*` again when that changed (the endpoint, its config with data capture, the
 * drift monitor and its rule now exist in the emulator, as `cdk deploy` makes them anywhere), then
 * serves the package's artifact with the serving stand-in under the endpoint's name, capturing as
 * the deployed endpoint config says. The endpoint model's calls (its role, the model data, the
 * image, the capture destination) are checked against the deployed policies first.
 */
export async function localServe(
  initial: LocalDeployment,
  options: LocalServeOptions,
): Promise<LocalServeResult> {
  const steps = options.steps ?? SILENT_STEPS;
  const model = initial.model(options.model).name;
  const pkg = await steps.step(`find the newest approved package of ${model}`, async () => {
    const found = await newestApprovedPackage(initial, model);
    if (!found) {
      throw new Error(
        `no approved model package of ${model} in the local registry: train one with \`mlenv local train --model ${model}\``,
      );
    }
    steps.detail(found.arn);
    return found;
  });

  const { stateDir, env, port } = initial;
  const pins = readLocalPins(stateDir);
  let deployment = initial;
  // Deploy when the pin changes, or when what is deployed lacks the endpoint (`up --assembly`).
  const endpointPath = ModelStack.pathOf(model, 'Endpoint/Endpoint');
  const redeployed = pins[model]?.modelPackageArn !== pkg.arn || !initial.tryResource(endpointPath);
  if (redeployed) {
    const previous = JSON.parse(JSON.stringify(pins)) as typeof pins;
    writeLocalPins(stateDir, {
      ...pins,
      [model]: {
        modelPackageArn: pkg.arn,
        approvedBy: 'mlenv local serve',
        approvedAt: new Date().toISOString(),
        source: `the newest approved package of ${model} in the local registry`,
        artifactFilesSha256: pkg.artifactFilesSha256,
        ...(pkg.baseline ? { dataQualityBaseline: pkg.baseline } : {}),
      },
    });
    try {
      await steps.step(`cdk deploy '${env.stageId}/*' serving ${model} version ${pkg.version}`, () =>
        deployStage(
          env.stageId,
          { port, account: env.account, region: env.region, stateDir },
          {
            context: localPinsContext(stateDir),
            onLine: (line) => {
              if (/^\s*(✅|❌)/u.test(line) && !line.includes('(no changes)')) steps.detail(line.trim());
            },
          },
        ),
      );
    } catch (error) {
      writeLocalPins(stateDir, previous);
      throw error;
    }
    deployment = await LocalDeployment.connect({ stateDir, config: initial.config });
  }

  const server = await steps.step(`serve ${model} version ${pkg.version}`, async () => {
    const endpoint = deployment.resource(endpointPath);
    const endpointName = deployment.authz.inventory.deployed.attribute(endpoint, 'EndpointName');
    const { sagemaker } = deployment.clients;
    const described = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
    const config = await sagemaker.send(
      new DescribeEndpointConfigCommand({ EndpointConfigName: described.EndpointConfigName }),
    );
    const variant = config.ProductionVariants?.[0];
    const deployedModel = await sagemaker.send(new DescribeModelCommand({ ModelName: variant?.ModelName }));
    const served =
      deployedModel.Containers?.[0]?.ModelPackageName ?? deployedModel.PrimaryContainer?.ModelPackageName;
    if (served !== pkg.arn) {
      throw new Error(
        `${endpointName} serves ${String(served)}, not ${pkg.arn}: redeploy with \`mlenv local up\``,
      );
    }
    const capture = config.DataCaptureConfig?.EnableCapture
      ? {
          destinationS3Uri: config.DataCaptureConfig.DestinationS3Uri!,
          kmsKeyId: config.DataCaptureConfig.KmsKeyId,
          samplingPercent: config.DataCaptureConfig.InitialSamplingPercentage ?? 100,
        }
      : undefined;

    const modelResource = deployment.resource(ModelStack.pathOf(model, 'Endpoint/Model'));
    const { inventory } = deployment.authz;
    const stage = deployment.stage;
    const caller = (detail: string) => ({
      stage: stage.id,
      principal: deployedModel.ExecutionRoleArn!,
      ...origin(modelResource.path, detail),
    });
    const hour = new Date().toISOString().slice(0, 13).replace(/[-T]/g, '/');
    await deployment.authorize([
      // As SageMaker inference sends it (the endpoint role's trust requires it).
      assumedBySageMaker(
        caller('role'),
        stage,
        sageMakerInferenceSourceArn(stage.partition, stage.region, stage.account),
      ),
      ...s3ReadCalls(inventory, caller('model data'), pkg.modelDataUrl),
      ...imagePullCalls(caller('image'), stage, pkg.image),
      ...(capture
        ? s3WriteCalls(
            inventory,
            caller(`data capture on ${endpointName} ${variant?.VariantName}`),
            `${capture.destinationS3Uri.replace(/\/$/, '')}/${endpointName}/${variant?.VariantName}/${hour}/capture.jsonl`,
            inventory.keyArn(capture.kmsKeyId, stage),
          )
        : []),
    ]);

    const dir = join(servingDir(stateDir), model);
    const modelDir = servedModelDir(stateDir, model);
    // The model's own inference code, with its own packages (its container's versions).
    const python = await modelPython(deployment.model(model));
    steps.detail(python.note);
    const record = await startServer({
      python: python.python,
      stateDir,
      model,
      modelDir,
      prepare: async (job) => {
        rmSync(modelDir, { recursive: true, force: true });
        mkdirSync(modelDir, { recursive: true });
        const archive = join(dir, 'model.tar.gz');
        writeFileSync(archive, await new S3ObjectStore(deployment.clients.s3).get(pkg.modelDataUrl));
        // A job's process (its own group): Ctrl-C reaches the command, which stops it and says so.
        const untar = await runProcess({
          command: 'tar',
          args: ['-xzf', archive, '-C', modelDir],
          cwd: dir,
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
          timeoutSeconds: 600,
          job,
        });
        if (untar.exitCode !== 0) throw new Error(`cannot unpack ${pkg.modelDataUrl}: ${tail(untar.log)}`);
      },
      endpointName,
      variantName: variant?.VariantName ?? 'AllTraffic',
      modelPackageArn: pkg.arn,
      modelDataUrl: pkg.modelDataUrl,
      capture,
      // The model's environment, as SageMaker gives it to the container (the expected digest).
      environment: deployedModel.Containers?.[0]?.Environment ?? deployedModel.PrimaryContainer?.Environment,
    });
    steps.detail(
      `${endpointName}: served by the serving stand-in (pid ${record.pid}, its log ${join(dir, 'server.log')})`,
    );
    const call = localEndpointCall(port, env.region, endpointName);
    steps.detail(`applications call it with SageMaker Runtime at ${call.endpointUrl}: ${call.command}`);
    return record;
  });
  const invoke = localEndpointCall(port, env.region, server.endpointName);
  return { deployment, server, package: pkg, redeployed, invoke };
}
