/**
 * A command that runs a tuning job's trials as `mlenv local train` runs a Tune state, for
 * tuning-interrupt.test.ts to stop during its first trial: the trial's program writes its pid to
 * <pids file> and sleeps. What the run records (trials, tuning job, logs) goes to
 * `<pids file>.hook` (JSON) each time it records, as the emulator would keep it.
 *
 * Usage: node --import tsx interrupted-tuning.ts <work dir> <pids file>
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonObject } from '../../../cfn/json-values';
import type { LocalTask } from '../../../lib/tools/integrations/task-integration';
import { runTuningJobLocally } from '../../../lib/tools/integrations/tuning-job/local-trials';
import { fakeTask, MODELS, tuneParameters } from '../../integrations/tuning-fixtures';

const SCRIPT = `import os, sys, time
pids = sys.argv[sys.argv.index("--pids") + 1]
with open(pids + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(pids + ".tmp", pids)
time.sleep(300)
`;

async function main(): Promise<void> {
  const [workDir, pidsFile] = process.argv.slice(2);
  const program = join(workDir, '..', 'sleeper.py');
  writeFileSync(program, SCRIPT);
  const { task, seen } = fakeTask();
  await seen.store.put('s3://data/train/part-1.csv', 'a,target\n1,0\n');
  const keep = () =>
    writeFileSync(
      `${pidsFile}.hook`,
      JSON.stringify({ jobs: seen.recordedJobs, tuning: seen.recordedTuningJobs, logs: seen.logs }),
    );
  const local: LocalTask = {
    ...task,
    jobOptions: (lines, python) => ({ ...task.jobOptions(lines, python), workDir }),
    recordJob: async (kind, description) => {
      await task.recordJob(kind, description);
      keep();
    },
    recordTuningJob: async (description) => {
      await task.recordTuningJob(description);
      keep();
    },
    writeLog: async (destinations, lines) => {
      await task.writeLog(destinations, lines);
      keep();
    },
  };
  const parameters = tuneParameters(MODELS[0], { maxJobs: 2 });
  const fixed = (parameters.TrainingJobDefinition as JsonObject).StaticHyperParameters as JsonObject;
  fixed.sagemaker_program = program;
  fixed.pids = JSON.stringify(pidsFile);
  await runTuningJobLocally(local, parameters);
  console.log('the tuning job ended by itself');
}

void main();
