import { asObject } from '../../../../cfn/json-values';
import type { RunTimeCall } from '../../calls/run-time-call';
import { glueJobRunLogs } from '../../../ops/job-log-locations';
import { JobLines } from '../../../jobs/job-log-streams';
import type { TaskIntegration } from '../task-integration';
import { findGlueJob, glueJobArn, glueJobRunCalls } from './calls';
import { glueJobRunLine } from './cost';
import { glueJobRunId, runGlueJob } from './local-run';

/** The id Glue gives a job run, in a sample's answer. */
const SAMPLE_JOB_RUN_ID = `jr_${'0123456789abcdef'.repeat(4)}`;

/**
 * Glue job runs (`glue:startJobRun.sync`). Calls: the start, the polling and stopping of the run,
 * and the run's own requests through the job's role (calls.ts). Cost: the run's DPU-hours to its
 * time limit (cost.ts). Locally: the Spark script runs here with Spark in local mode (local-run.ts);
 * `.sync` answers when it ends.
 */
export const GLUE_JOB_RUN: TaskIntegration = {
  apis: ['glue:startJobRun'],
  calls({ inventory, stage, caller, path, detail, sync }, parameters) {
    if (typeof parameters.JobName !== 'string')
      return { calls: [], problems: ['no JobName to derive calls from'] };
    const calls: RunTimeCall[] = (
      sync ? ['StartJobRun', 'GetJobRun', 'GetJobRuns', 'BatchStopJobRun'] : ['StartJobRun']
    ).map((verb) => ({
      ...caller,
      action: `glue:${verb}`,
      resource: glueJobArn(stage, String(parameters.JobName)),
    }));
    const job = findGlueJob(inventory, stage, parameters.JobName);
    if (!job) return { calls, problems: [`Glue job ${parameters.JobName} is not in the assembly`] };
    const run = glueJobRunCalls(inventory, job, asObject(parameters.Arguments) ?? {}, path, detail);
    return { calls: [...calls, ...run.calls], problems: run.problems };
  },
  cost: {
    part: 'data-pipeline-run',
    lines: (task) => [
      glueJobRunLine(task.name, task.parameters, task.stateMachine, task.resources, task.prices),
    ],
  },
  sample({ pattern }, parameters) {
    return {
      JobName: parameters.JobName,
      Id: SAMPLE_JOB_RUN_ID,
      ...(pattern === 'sync' ? { JobRunState: 'SUCCEEDED' } : {}),
    };
  },
  async run(task, parameters) {
    const job = task.localResource('AWS::Glue::Job', String(parameters.JobName), 'Glue job');
    const command = asObject(job.properties.Command) ?? {};
    const defaultArguments = stringRecord(job.properties.DefaultArguments);
    const runArguments = stringRecord(parameters.Arguments);
    const lines = new JobLines();
    // The run is named before it starts, as StartJobRun answers, so the history's TaskSubmitted
    // tells its id (`mlenv logs`, an interrupted execution's too); its log is in the streams of
    // that id, the log so far when an interrupt stops it (an error is told by the interrupt).
    const runId = glueJobRunId();
    const destinations = glueJobRunLogs({ ...defaultArguments, ...runArguments }, runId);
    task.submitted({ JobRunId: runId });
    try {
      const run = await runGlueJob(
        {
          name: String(parameters.JobName),
          scriptLocation: String(command.ScriptLocation),
          defaultArguments,
          timeoutMinutes: Number(job.properties.Timeout ?? 60),
        },
        runArguments,
        {
          ...task.jobOptions(lines),
          awsEnvironment: task.awsEnvironment,
          runId,
          onInterrupt: () => task.writeLog(destinations, lines),
        },
      );
      await task.keepLog(destinations, lines);
      const { log: _log, ...jobRun } = run;
      return jobRun;
    } catch (error) {
      await task.keepLog(destinations, lines);
      throw error;
    }
  },
};

/** A map of strings (a Glue job's arguments) from a template or task value. */
function stringRecord(value: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(asObject(value) ?? {}).map(([k, v]) => [k, String(v)]));
}
