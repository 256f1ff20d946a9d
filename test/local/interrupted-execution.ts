/**
 * A command that runs an execution as `mlenv local train` does (recorded in the emulator with
 * runRecorded) whose one task runs a local Glue job that sleeps, for interrupted-execution.test.ts
 * to interrupt: the job's script writes its pid to <pids file> and sleeps. With `--other-handler`,
 * a SIGINT/SIGTERM handler is there before the job starts, as the main job's (it stops the local
 * environment, which takes a while, then exits 130).
 *
 * Usage: node --import tsx interrupted-execution.ts <port> <state machine ARN> <execution name>
 *        <work dir> <pids file> [--other-handler]
 */
import { runRecorded } from '../../lib/local/emulator-records';
import { executionArnOf, ExecutionHistory } from '../../lib/local/execution-history';
import { runGlueJob } from '../../lib/tools/integrations/glue-job-run/local-run';
import { MemoryObjectStore } from '../../lib/ops/memory-object-store';

const SCRIPT = `import os, sys, time
pids = sys.argv[sys.argv.index("--pids") + 1]
with open(pids + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(pids + ".tmp", pids)
time.sleep(300)
`;

async function main(): Promise<void> {
  const [port, stateMachineArn, name, workDir, pidsFile, mode] = process.argv.slice(2);
  if (mode === '--other-handler') {
    const stopEnvironment = () => setTimeout(() => process.exit(130), 5000);
    process.once('SIGINT', stopEnvironment);
    process.once('SIGTERM', stopEnvironment);
  }
  const store = new MemoryObjectStore();
  await store.put('s3://scripts/sleeper.py', SCRIPT);
  const history = new ExecutionHistory(executionArnOf(stateMachineArn, name), stateMachineArn, {
    reason: 'manual',
  });
  const ended = await runRecorded(
    Number(port),
    history,
    async () => {
      history.stateEvent({ state: 'CleanRawData', kind: 'started' });
      try {
        await runGlueJob(
          {
            name: 'sleeper',
            scriptLocation: 's3://scripts/sleeper.py',
            defaultArguments: { '--pids': pidsFile },
            timeoutMinutes: 10,
          },
          {},
          { store, workDir, awsEnvironment: {} },
        );
        return { status: 'SUCCEEDED' as const };
      } catch (error) {
        history.stateEvent({ state: 'CleanRawData', kind: 'failed', error: String(error) });
        return { status: 'FAILED' as const, error: 'States.TaskFailed', cause: (error as Error).message };
      }
    },
    (error) => console.error(`not recorded: ${error.message}`),
  );
  console.log(`the execution ended ${ended.status}`);
}

void main();
