import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { LOCAL_ENVIRONMENT, platformConfig, type EnvironmentConfig, type MlEnvConfig } from '../../config';

/** The name of the configured environment that runs in the emulator. */
export { LOCAL_ENVIRONMENT };
import {
  describeContents,
  localStateDir,
  NO_KEPT_STATE,
  type StateRestore,
  startEmulator,
  stopEmulator,
} from './emulator';
import { stageStacks } from './emulator-assembly';
import { bootstrapEmulator, deployedAssemblyDir, deployStage, type EmulatorTarget } from './emulator-deploy';
import { emulatorClientConfig, emulatorEndpoint } from './emulator-env';
import { createSkippedPackageGroups, type PackageGroup } from './emulator-gaps';
import { localPinsContext } from './local-pins';
import { startMlflowServer, stopMlflowServer } from './mlflow-server';
import { type ModelPython, modelPython } from './model-python';

/** Runs one long step and reports it (start, duration, outcome); `detail` adds a line under it. */
export interface StepRunner {
  step<T>(name: string, work: () => Promise<T>): Promise<T>;
  detail(line: string): void;
}

/** Runs the steps without reporting them. */
export const SILENT_STEPS: StepRunner = { step: (_name, work) => work(), detail: () => undefined };

export interface LocalUpResult {
  readonly pid: number;
  readonly port: number;
  readonly endpoint: string;
  /** Whether a running emulator was reused. */
  readonly reused: boolean;
  readonly stacks: readonly { readonly name: string; readonly status: string }[];
  readonly packageGroups: readonly PackageGroup[];
  /** The MLflow tracking server the local environment's runs are recorded in (its UI too). */
  readonly tracking: { readonly url: string; readonly reused: boolean };
  /** What each model's jobs and serving run with (its own lock's venv, made here). */
  readonly modelPythons: readonly ModelPython[];
  /**
   * The local state: where it lives, and what the emulator started here found of the state
   * `local down` kept (undefined when a running emulator was reused: it holds what it held).
   */
  readonly state: { readonly dir: string; readonly restore?: StateRestore };
}

export interface LocalUpOptions {
  /** @default localStateDir() */
  readonly stateDir?: string;
  /** @default platformConfig() */
  readonly config?: MlEnvConfig;
  /**
   * A cloud assembly already synthesized (and validated) from this app, deployed as it is. What
   * it was built from is not known: the deploy records the assembly, not the working tree's
   * inputs, so `local train`, `serve` and `drift` refuse it until `local up` deploys the tree.
   * @default the CDK CLI synthesizes the app of cdk.json
   */
  readonly assemblyDir?: string;
  /** @default SILENT_STEPS */
  readonly steps?: StepRunner;
}

/** The `local` environment of the configuration. */
export function localEnvironment(config: MlEnvConfig): EnvironmentConfig {
  const env = config.environments.find((e) => e.name === LOCAL_ENVIRONMENT);
  if (!env) throw new Error(`the configuration has no "${LOCAL_ENVIRONMENT}" environment`);
  return env;
}

/**
 * `mlenv local up`: starts the emulator (or reuses the running one), bootstraps it, deploys the
 * local stage's stacks with the CDK CLI, and creates what the emulator skipped but the lifecycle
 * needs (the model package groups). An emulator started here is stopped again if a step fails.
 */
export async function localUp(options: LocalUpOptions = {}): Promise<LocalUpResult> {
  const stateDir = options.stateDir ?? localStateDir();
  const steps = options.steps ?? SILENT_STEPS;
  const config = options.config ?? platformConfig();
  const env = localEnvironment(config);

  // MLflow takes longest to start: it starts while the emulator starts and the stacks deploy.
  const tracking = startMlflowServer({ stateDir });
  tracking.catch(() => undefined); // awaited (and reported) below
  // Each model's venv installs while the stacks deploy (a new lock's packages download once).
  const pythons = Promise.all(config.models.map((model) => modelPython(model)));
  pythons.catch(() => undefined); // awaited (and reported) below
  const emulator = await steps.step('start emulator', async () => {
    const started = await startEmulator({ stateDir });
    steps.detail(
      `${started.reused ? 'reusing' : 'started'} moto on ${started.endpoint} (pid ${started.pid})`,
    );
    if (started.restore) steps.detail(describeRestore(started.restore));
    return started;
  });
  const target: EmulatorTarget = { port: emulator.port, account: env.account, region: env.region, stateDir };
  const clientConfig = emulatorClientConfig(emulator.port, env.region);
  try {
    const cloudformation = new CloudFormationClient(clientConfig);
    const toolkit = await stackStatuses(cloudformation, ['CDKToolkit']);
    if (!/_COMPLETE$/.test(toolkit[0].status) || /DELETE|ROLLBACK/.test(toolkit[0].status)) {
      await steps.step(`cdk bootstrap aws://${env.account}/${env.region}`, () => bootstrapEmulator(target));
    }
    await steps.step(`cdk deploy '${env.stageId}/*'`, () =>
      deployStage(env.stageId, target, {
        assemblyDir: options.assemblyDir,
        // What `mlenv local serve` pinned stays served.
        context: localPinsContext(stateDir),
        onLine: (line) => {
          if (/^\s*(✅|❌)/u.test(line)) steps.detail(line.trim());
        },
      }),
    );
    const deployed = stageStacks(deployedAssemblyDir(stateDir), env.stageId);
    const packageGroups = await steps.step(
      'create model package groups (skipped by the emulator)',
      async () => {
        const groups = await createSkippedPackageGroups(
          new SageMakerClient(clientConfig),
          deployed,
          { project: config.project, environment: env },
          config.models.map((m) => m.name),
        );
        for (const g of groups) steps.detail(`${g.name}: ${g.created ? 'created' : 'exists'}`);
        return groups;
      },
    );
    const stacks = await stackStatuses(
      cloudformation,
      deployed.map((s) => s.stackName),
    );
    const failed = stacks.filter((s) => s.status !== 'CREATE_COMPLETE' && s.status !== 'UPDATE_COMPLETE');
    if (failed.length > 0) {
      throw new Error(`stacks not deployed: ${failed.map((s) => `${s.name} ${s.status}`).join(', ')}`);
    }
    const server = await steps.step('start MLflow tracking server', async () => {
      const started = await tracking;
      steps.detail(
        `${started.reused ? 'reusing' : 'started'} MLflow on ${started.url} (its UI too; pid ${started.pid})`,
      );
      return started;
    });
    const modelPythons = await steps.step("prepare each model's Python", async () => {
      const prepared = await pythons;
      for (const p of prepared) steps.detail(p.note);
      return prepared;
    });
    return {
      pid: emulator.pid,
      port: emulator.port,
      endpoint: emulatorEndpoint(emulator.port),
      reused: emulator.reused,
      stacks,
      packageGroups,
      tracking: { url: server.url, reused: server.reused },
      modelPythons,
      state: { dir: stateDir, ...(emulator.restore ? { restore: emulator.restore } : {}) },
    };
  } catch (error) {
    if (!emulator.reused) await stopEmulator({ stateDir });
    const server = await tracking.catch(() => undefined);
    if (server && !server.reused) await stopMlflowServer(stateDir);
    throw error;
  }
}

/** What the emulator found of the kept state, in a few words. */
function describeRestore(restore: StateRestore): string {
  return restore.outcome === 'restored'
    ? `restored the kept state: ${describeContents(restore.contents)}`
    : `started empty: ${restore.reason}`;
}

/** The one line saying which local state `local up` runs on, and where it lives. */
export function formatLocalUpState(result: Pick<LocalUpResult, 'state'>): string {
  const { dir, restore } = result.state;
  if (!restore)
    return `local up: the running emulator keeps the state it holds (the local state is in ${dir})`;
  if (restore.outcome === 'restored') {
    const saved = restore.savedAt ? ` (saved ${restore.savedAt})` : '';
    return `local up: restored the local state kept in ${dir}${saved}: ${describeContents(restore.contents)} and the MLflow runs; \`mlenv local down --wipe\` clears it`;
  }
  // A state set aside leaves the MLflow runs beside an empty emulator: say how to clear them too.
  const mlflow =
    restore.reason === NO_KEPT_STATE
      ? ''
      : ' (the MLflow runs kept there stay until `mlenv local down --wipe`)';
  return `local up: started empty: ${restore.reason}; the local state lives in ${dir}${mlflow}`;
}

/** Each stack's status in the emulator (`MISSING` if it has none). */
export async function stackStatuses(
  cloudformation: Pick<CloudFormationClient, 'send'>,
  names: readonly string[],
): Promise<{ name: string; status: string }[]> {
  return Promise.all(
    names.map(async (name) => {
      try {
        const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: name }));
        return { name, status: Stacks?.[0]?.StackStatus ?? 'MISSING' };
      } catch {
        return { name, status: 'MISSING' };
      }
    }),
  );
}
