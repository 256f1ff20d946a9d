import { CreateModelPackageCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { modelResourceName } from '../../config';
import { connectCurrentDeployment } from '../../lib/local/current-deployment';
import { emulatorClientConfig } from '../../lib/local/emulator-env';
import { formatLocalUpState, localEnvironment, localUp, SILENT_STEPS } from '../../lib/local/emulator-up';
import { LocalDeployment } from '../../lib/local/local-deployment';
import { formatStateChoice, localDown } from '../../lib/local/local-down';
import { OUTDIR_VARIABLE, platformAssembly } from '../support/platform';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // see bin/mlenv.ts
jest.setTimeout(300_000);

/**
 * `local up` and `local down` say what became of the local state as the emulator reports it, and
 * `local up --assembly` records which assembly it deployed (not the working tree's inputs).
 */
const { config } = platformAssembly();
const env = localEnvironment(config);
const [model] = config.models;
const stateDir = mkdtempSync(join(tmpdir(), 'mlenv-kept-state-'));
const assembly = resolve(process.env[OUTDIR_VARIABLE]!);
const up = () => localUp({ stateDir, config, assemblyDir: assembly, steps: SILENT_STEPS });

afterAll(async () => {
  await localDown(stateDir, { state: 'wipe' }); // also when a test failed
  rmSync(stateDir, { recursive: true, force: true });
});

test('a given assembly is recorded as given: train refuses it, naming it and `mlenv local up`', async () => {
  const first = await up();
  expect(formatLocalUpState(first)).toBe(
    `local up: started empty: no state was kept; the local state lives in ${stateDir}`,
  );
  expect(JSON.parse(readFileSync(join(stateDir, 'deployed-inputs.json'), 'utf8'))).toEqual({ assembly });
  await expect(
    connectCurrentDeployment({
      command: 'local train',
      steps: SILENT_STEPS,
      say: () => undefined,
      stateDir,
      config,
    }),
  ).rejects.toThrow(
    `local train: the emulator runs an older deploy (it deployed the assembly ${assembly} given to \`local up --assembly\`, not one built from this working tree): run \`mlenv local up\`, or add --redeploy`,
  );
});

test('down says kept with what it saved; up says restored with the same; a save cut short is never called kept', async () => {
  const deployment = await LocalDeployment.connect({ stateDir, config });
  const clientConfig = emulatorClientConfig(deployment.port, env.region);
  await new S3Client(clientConfig).send(
    new PutObjectCommand({
      Bucket: deployment.bucket('raw'),
      Key: 'kept-state-test/a.csv',
      Body: 'a,target\n1,0\n',
    }),
  );
  await new SageMakerClient(clientConfig).send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: modelResourceName({ project: config.project, environment: env }, model.name),
      InferenceSpecification: {
        Containers: [{ Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/serving:1' }],
        SupportedContentTypes: ['text/csv'],
        SupportedResponseMIMETypes: ['text/csv'],
      },
    }),
  );

  const down = await localDown(stateDir);
  expect(down.save).toMatchObject({ outcome: 'saved', contents: { modelPackages: 1, executions: 0 } });
  const saved = down.save as Extract<typeof down.save, { outcome: 'saved' }>;
  expect(saved.contents.s3Objects).toBeGreaterThanOrEqual(1); // ours, and what the deploy put (assets)
  expect(formatStateChoice(down)).toMatch(
    new RegExp(
      `^local down: kept the local state in ${stateDir}: ${saved.contents.s3Objects} S3 objects, 1 model package, 0 executions and the MLflow runs;`,
    ),
  );

  // The next save takes 30 s (as a large state's would), so a kill cannot come after it finished.
  process.env.MLENV_EMULATOR_SAVE_DELAY_S = '30';
  const again = await up().finally(() => delete process.env.MLENV_EMULATOR_SAVE_DELAY_S);
  expect(again.state.restore).toEqual({ outcome: 'restored', savedAt: saved.at, contents: saved.contents });
  expect(formatLocalUpState(again)).toContain(
    `local up: restored the local state kept in ${stateDir} (saved ${saved.at})`,
  );

  // No time to save: the emulator is killed, and down says so (the earlier save is what stays).
  const cut = await localDown(stateDir, { saveTimeoutMs: 0 });
  expect(cut.save).toEqual({
    outcome: 'not saved',
    reason: 'it did not finish saving within 0 s and was killed',
  });
  expect(formatStateChoice(cut)).toContain(
    "the emulator's state was NOT saved (it did not finish saving within 0 s and was killed)",
  );
  expect(formatStateChoice(cut)).toContain(
    'the next `mlenv local up` restores the older state an earlier `down` saved',
  );
});
