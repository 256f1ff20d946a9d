import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelLayout, SHADOW_VARIANT_NAME, sageMakerInferenceSourceArn } from '../../constructs';
import { origin } from '../tools/calls/run-time-call';
import { s3ReadCalls, s3WriteCalls } from '../tools/calls/s3-object-calls';
import { assumedBySageMaker, imagePullCalls } from '../tools/calls/sagemaker-runtime-calls';
import { EMULATOR_CREDENTIALS, emulatorEndpoint } from './emulator-env';
import { SILENT_STEPS, type StepRunner } from './emulator-up';
import { runProcess, tail } from '../jobs/run-process';
import { S3ObjectStore } from '../ops/s3-object-store';
import { parseS3Uri } from '../ops/s3-uri';
import { LocalDeployment } from './local-deployment';
import { readLocalPins } from './local-pins';
import { findServablePackage, type ServablePackage, servable } from './local-serve-package';
import { pinAndDeploy } from './pin-and-deploy';
import { modelPython } from './model-python';
import { servedModelDir, type ServingRecord, servingDir, startServer } from './serving-process';
import { ModelStack } from '../platform/stacks/model-stack';

export type { ServablePackage } from './local-serve-package';
export { newestApprovedPackage } from './local-serve-package';

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
  const pkg = await findServablePackage(initial, model, steps);

  const { stateDir, env, port } = initial;
  const pins = readLocalPins(stateDir);
  const endpointPath = ModelStack.pathOf(model, 'Endpoint/Endpoint');
  // A shadow candidate set by hand in the local pins: deployed with the pin, played by the stand-in.
  const shadowPin =
    pins[model]?.shadow && pins[model].shadow!.modelPackageArn !== pkg.arn ? pins[model].shadow : undefined;
  const shadowPath = ModelStack.pathOf(model, 'Endpoint/ShadowModel');
  const { deployment, redeployed } = await pinAndDeploy(initial, model, pkg, {
    servedPaths: shadowPin ? [endpointPath, shadowPath] : [endpointPath],
    shadow: shadowPin,
    steps,
  });

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

    // An asynchronous endpoint reads its requests as its role: under the model's input prefix, in
    // the bucket of its output path (the emulator reads no InputLocation outside it).
    const asyncOutput = config.AsyncInferenceConfig?.OutputConfig?.S3OutputPath;
    const asyncInputS3Uri = asyncOutput
      ? `s3://${parseS3Uri(asyncOutput).bucket}/${new ModelLayout(model).asyncInputDir}/`
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
      ...(asyncInputS3Uri
        ? s3ReadCalls(inventory, caller('asynchronous requests'), `${asyncInputS3Uri}request.csv`)
        : []),
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
    // The shadow candidate, where the deployed endpoint has one (its own model of the pin's shadow).
    const shadowModel = shadowPin && deployment.tryResource(shadowPath);
    const shadowPackage =
      shadowPin && shadowModel
        ? servable(
            await sagemaker.send(
              new DescribeModelPackageCommand({ ModelPackageName: shadowPin.modelPackageArn }),
            ),
            Number(shadowPin.modelPackageArn.split('/').at(-1)),
          )
        : undefined;
    if (shadowPackage) {
      await deployment.authorize(
        s3ReadCalls(inventory, caller('shadow model data'), shadowPackage.modelDataUrl),
      );
    }
    const shadowDir = join(dir, 'shadow-model');
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
        if (shadowPackage) {
          rmSync(shadowDir, { recursive: true, force: true });
          mkdirSync(shadowDir, { recursive: true });
          const shadowArchive = join(dir, 'shadow-model.tar.gz');
          writeFileSync(
            shadowArchive,
            await new S3ObjectStore(deployment.clients.s3).get(shadowPackage.modelDataUrl),
          );
          const unpacked = await runProcess({
            command: 'tar',
            args: ['-xzf', shadowArchive, '-C', shadowDir],
            cwd: dir,
            env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
            timeoutSeconds: 600,
            job,
          });
          if (unpacked.exitCode !== 0)
            throw new Error(`cannot unpack ${shadowPackage.modelDataUrl}: ${tail(unpacked.log)}`);
        }
      },
      shadow: shadowPackage && {
        modelDir: shadowDir,
        filesSha256: shadowPackage.artifactFilesSha256,
        variantName: SHADOW_VARIANT_NAME,
        samplingPercent: env.serving.shadow.samplingPercent,
      },
      endpointName,
      variantName: variant?.VariantName ?? 'AllTraffic',
      modelPackageArn: pkg.arn,
      modelDataUrl: pkg.modelDataUrl,
      capture,
      asyncInputS3Uri,
      // The model's environment, as SageMaker gives it to the container (the expected digest).
      environment: deployedModel.Containers?.[0]?.Environment ?? deployedModel.PrimaryContainer?.Environment,
    });
    steps.detail(
      `${endpointName}: served by the serving stand-in (pid ${record.pid}, its log ${join(dir, 'server.log')})`,
    );
    if (shadowPackage) {
      steps.detail(
        `shadow: ${shadowPackage.arn} scores ${env.serving.shadow.samplingPercent} % of the requests, captured under ${SHADOW_VARIANT_NAME}; callers get ${pkg.arn}'s answers`,
      );
    }
    const call = localEndpointCall(port, env.region, endpointName);
    steps.detail(`applications call it with SageMaker Runtime at ${call.endpointUrl}: ${call.command}`);
    return record;
  });
  const invoke = localEndpointCall(port, env.region, server.endpointName);
  return { deployment, server, package: pkg, redeployed, invoke };
}
