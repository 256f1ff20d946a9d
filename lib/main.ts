import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, deployCommand, LOCAL_ENVIRONMENT } from '../config';
import { REPO_ROOT } from '../config/repo-root';
import { gitCodeVersion } from './platform/app/code-version';
import { CODE_VERSION_CONTEXT } from './platform/app/platform';
import { synthesizePlatform } from './platform/app/synthesize';
import { consoleSteps } from './cli/steps';
import { formatLifecycleSummary } from './cli/lifecycle-output';
import { type LifecycleResult, runLifecycle } from './local/lifecycle';
import { localDown, type LocalDownResult } from './local/local-down';
import { checkParity } from './tools/parity/check';
import { formatParityReport } from './tools/parity/report';

/**
 * Where the main job keeps its local environment: its own, so that it neither reuses nor stops
 * one that `mlenv local up` started.
 */
const STATE_DIR = join(REPO_ROOT, '.mlenv', 'start');

// The pinned AWS SDK supports Node 20 (see bin/mlenv.ts); its notice about later versions is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * The main job (`npm start`): synthesizes every environment into `cdk.out`, prints what each one
 * holds and the parity report, then runs the whole model lifecycle in the local environment
 * (deploy into the emulator, train, serve, smoke test, drift, retrain) and stops everything it
 * started, also when a step fails or on Ctrl-C. Exits 1 when parity or the lifecycle fails, 2 on
 * a bad configuration, 130 when interrupted.
 *
 * With `MLENV_TIMINGS_FILE` set, writes the run's timings there as JSON (for `npm run bench`).
 */
async function main(): Promise<number> {
  const started = Date.now();
  let platform;
  try {
    // The code version the CDK CLI's app records too (bin/app.ts), so that the local
    // environment's later deploys through the CLI change nothing but what they mean to.
    platform = synthesizePlatform({
      outdir: join(REPO_ROOT, 'cdk.out'),
      context: { [CODE_VERSION_CONTEXT]: gitCodeVersion() },
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return 2;
  }
  const { assembly, config } = platform;
  const synthSeconds = (Date.now() - started) / 1000;
  console.log(
    `synthesized ${config.environments.length} environments into cdk.out in ${synthSeconds.toFixed(1)} s`,
  );
  for (const env of config.environments) {
    const stacks = assembly.stacksRecursively.filter((s) => s.hierarchicalId.startsWith(`${env.stageId}/`));
    const summary = stacks
      .map((s) => `${s.hierarchicalId} (${Object.keys(s.template.Resources ?? {}).length} resources)`)
      .join(', ');
    console.log(`  ${env.name.padEnd(8)} ${env.account} ${env.region.padEnd(14)} ${summary}`);
    const served = Object.entries(env.deployments).map(
      ([model, pin]) => `${model} (${pin.modelPackageArn.split(':').pop()})`,
    );
    const unserved = config.models.map((m) => m.name).filter((m) => !(m in env.deployments));
    console.log(
      `           serves: ${served.join(', ') || 'nothing yet'}` +
        (unserved.length > 0
          ? `; not served (no pin in deployments/${env.name}.json): ${unserved.join(', ')}`
          : ''),
    );
  }
  const cloud = config.environments.find((e) => e.name !== LOCAL_ENVIRONMENT);
  if (cloud) console.log(`deploy one environment with: ${deployCommand(cloud)}\n`);

  // Each environment against the reference rendered with its knobs; attributing every difference
  // to knobs takes a rendering per knob group, so that is left to `npm run parity`.
  const parity = checkParity(assembly, config, { explain: false });
  console.log(formatParityReport(parity, { table: false }));
  if (parity.violations.length > 0) return 1;

  console.log('\nThe model lifecycle in the local environment (an AWS emulator on loopback):');
  // The main job starts from nothing and leaves nothing: its own state directory is wiped before
  // (a run that was killed may have left one) and after, so each run is the same run.
  if (existsSync(STATE_DIR)) await localDown(STATE_DIR, { state: 'wipe' });
  let stopping: Promise<LocalDownResult> | undefined;
  const stop = () => (stopping ??= localDown(STATE_DIR, { state: 'wipe' }));
  let interrupted = false;
  const interrupt = (signal: NodeJS.Signals) => {
    interrupted = true;
    console.error(`\n${signal}: stopping the local environment`);
    void stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const lifecycleStarted = Date.now();
  let result: LifecycleResult | undefined;
  try {
    result = await runLifecycle({
      stateDir: STATE_DIR,
      config,
      assemblyDir: join(REPO_ROOT, 'cdk.out'),
      steps: consoleSteps(),
    });
  } catch (error) {
    // Interrupted, the steps fail as their processes stop: that is not news.
    if (!interrupted) {
      console.error(`\nthe lifecycle failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  } finally {
    const down = await stop();
    console.log(
      `\nstopped the local environment (emulator, ${down.servers.length} serving stand-in(s)${down.tracking ? ' and MLflow' : ''})`,
    );
  }
  if (!result) return 1;
  const total = (Date.now() - started) / 1000;
  console.log(formatLifecycleSummary(result, (Date.now() - lifecycleStarted) / 1000));
  if (process.env.MLENV_TIMINGS_FILE) {
    const states = (run?: LifecycleResult['train']) =>
      Object.fromEntries((run?.states ?? []).map((s) => [s.state, s.seconds]));
    writeFileSync(
      process.env.MLENV_TIMINGS_FILE,
      JSON.stringify(
        {
          total,
          synth: synthSeconds,
          ...result.seconds,
          trainStates: states(result.train),
          retrainStates: states(result.drift.retrain),
        },
        null,
        2,
      ),
    );
  }
  return 0;
}

void main().then((code) => {
  process.exitCode = code;
});
