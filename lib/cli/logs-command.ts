import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { GlueClient } from '@aws-sdk/client-glue';
import { Command } from 'commander';
import { executionJobs, type JobLogEvents, readJobLog, resolveLogTarget } from '../ops/job-logs';
import { printable } from '../ops/printable-text';
import { type AwsOptions, clientConfigFor, withAwsOptions } from './aws-context';
import { connectEnvironment } from './connect-environment';

/** `mlenv logs <env> <execution|job>`: the logs of an execution's jobs, in order, or of one job. */
export function logsCommand(): Command {
  return withAwsOptions(new Command('logs'))
    .description(
      "the CloudWatch logs of an execution's jobs (training, processing, Glue, CodeBuild; those of the executions it started in their place), in the order it ran them, or of one training or processing job",
    )
    .argument('<env>', 'a configured environment')
    .argument(
      '<target>',
      'an execution ARN, an execution name of a pipeline, or a training or processing job name',
    )
    .addHelpText(
      'after',
      '\nExample:\n  $ npx mlenv logs local manual-20261207T120000-a1b2c3\n  $ npx mlenv logs prod <execution ARN> --profile ml-prod',
    )
    .action(async (envName: string, target: string, options: AwsOptions) => {
      const { env, directory, sagemaker, sfn } = await connectEnvironment(envName, options);
      const clientConfig = await clientConfigFor(env, options);
      const clients = {
        sfn,
        sagemaker,
        glue: new GlueClient(clientConfig),
        logs: new CloudWatchLogsClient(clientConfig),
      };
      const resolved = await resolveLogTarget(clients, directory, target);
      const jobs =
        'job' in resolved ? [resolved.job] : await executionJobs(clients, resolved.executionArn, directory);
      const read: JobLogEvents[] = [];
      for (const job of jobs) read.push(await readJobLog(clients.logs, job));
      if (options.json) {
        console.log(JSON.stringify(read, null, 2));
        return;
      }
      if ('executionArn' in resolved && read.length === 0)
        console.log(`${resolved.executionArn}: no job ran`);
      for (const job of read) console.log(formatJobLog(job));
    });
}

/**
 * A job's log as printed: a line naming the job and where its log is, then its lines, without the
 * controls a terminal obeys (`printable`: a job writes its log, and a history names its jobs).
 */
export function formatJobLog(job: JobLogEvents): string {
  const where = job.streams.map((s) => `${s.logGroupName} ${s.logStreamNamePrefix}*`).join(', ');
  const header = printable(`== ${job.state ? `${job.state}: ` : ''}${job.kind} ${job.name} (${where})`);
  const lines = job.events.map((e) => printable(e.message.replace(/\n$/, ''), { multiline: true }));
  return [header, ...(lines.length > 0 ? lines : ['(no log events)'])].join('\n');
}
