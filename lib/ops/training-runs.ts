import {
  DescribeExecutionCommand,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';

import type { ModelDirectory } from './environment-directory';
import { printable } from './printable-text';

type SfnSender = Pick<SFNClient, 'send'>;

/**
 * What a training run of a model starts: its data pipeline where it has one (it builds the
 * features from the raw version, then trains on them), else its training pipeline.
 */
export function trainingEntryPoint(model: Pick<ModelDirectory, 'pipelineArn' | 'dataPipelineArn'>): {
  readonly stateMachineArn: string;
  readonly throughDataPipeline: boolean;
} {
  return model.dataPipelineArn
    ? { stateMachineArn: model.dataPipelineArn, throughDataPipeline: true }
    : { stateMachineArn: model.pipelineArn, throughDataPipeline: false };
}

/** Starts a training pipeline (or a data pipeline: it takes the same input); returns the execution's ARN. */
export async function startTraining(
  sfn: SfnSender,
  stateMachineArn: string,
  name: string,
  input: Record<string, string>,
): Promise<string> {
  const started = await sfn.send(
    new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
  );
  return started.executionArn!;
}

/** A state of an execution that ended, with how long it took. */
export interface StateEnded {
  readonly state: string;
  readonly status: 'succeeded' | 'failed';
  readonly seconds: number;
}

/**
 * How a state that ended is shown as an execution runs: `✓ Preprocess     2.0 s`; a failed one
 * with why (`failure`: the error as a local execution tells it, `<error name>: <cause>`) on the
 * same line, and where the job's whole log is under it.
 */
export function formatStateEnded(s: StateEnded, failure?: string): string {
  const line = `${s.status === 'succeeded' ? '✓' : '✗'} ${s.state.padEnd(14)} ${s.seconds.toFixed(1)} s`;
  if (!failure) return line;
  const named = /^([\w.]+): ([\s\S]*)$/.exec(failure);
  const cause = named ? failureCause(named[1], named[2]) : failureCause(undefined, failure);
  return `${line}  ${cause.line}${cause.log ? `\n      full log: ${printable(cause.log)}` : ''}`;
}

/** Why a task or an execution failed, in one line, and where the failed job's whole log is. */
export interface FailureCause {
  readonly line: string;
  /** The log the local environment kept of the job that failed (`full log: <file>` in its cause). */
  readonly log?: string;
}

/** The error name of a task's failure that says nothing its cause does not. */
const TASK_FAILED = 'States.TaskFailed';

/**
 * Why a task or an execution failed, from Step Functions' error name and cause: for a SageMaker
 * job (`.sync`: its description is the cause), its FailureReason's `ErrorMessage` (the script's
 * error line, as the training toolkit reports it) or else its first line (a processing job's
 * `AlgorithmError: <message>`, the message); for a failed child
 * execution (`.sync:2`: its status is the cause), the child's own cause; else the cause's first
 * line, after the error name unless that is `States.TaskFailed`.
 */
export function failureCause(error: string | undefined, cause: string | undefined): FailureCause {
  const text = cause ?? '';
  const described = jsonObject(text);
  if (typeof described?.FailureReason === 'string') {
    const reason = described.FailureReason;
    const message = /^ErrorMessage "(.*?)"?$/m.exec(reason)?.[1];
    // A processing job's `AlgorithmError: <message>`: the failure is the script's, as the line says.
    return withLog(message || reason.split('\n')[0].replace(/^AlgorithmError: /, ''), reason);
  }
  if (described && (typeof described.Error === 'string' || typeof described.Cause === 'string')) {
    return failureCause(
      typeof described.Error === 'string' ? described.Error : undefined,
      typeof described.Cause === 'string' ? described.Cause : undefined,
    );
  }
  const first = text.split('\n')[0];
  const line = error && error !== TASK_FAILED ? (first ? `${error}: ${first}` : error) : first || 'failed';
  return withLog(line, text);
}

/**
 * The cause's line (the ml/ scripts' `error: ` prefix left out: the line is shown as an error
 * already) with where the job's whole log is, if its cause says (`full log: <file>`). The line is
 * printed: it keeps no control a terminal would obey (`printable`; a job's script wrote it).
 */
function withLog(line: string, text: string): FailureCause {
  const shown = printable(line.replace(/^error: /, ''));
  const log = /^(?:.*; )?full log: (\S+)/m.exec(text)?.[1];
  return log ? { line: shown, log } : { line: shown };
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export interface ExecutionEnd {
  readonly status: ExecutionStatus;
  readonly error?: string;
  readonly cause?: string;
  readonly output?: string;
}

/**
 * Follows an execution until it ends, telling `onState` as each Task state ends (from the
 * execution's history, in order, each event once). Returns how it ended.
 */
export async function waitForExecution(
  sfn: SfnSender,
  executionArn: string,
  onState: (state: StateEnded) => void,
  options: { readonly pollMs?: number; readonly sleep?: (ms: number) => Promise<void> } = {},
): Promise<ExecutionEnd> {
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const entered = new Map<string, Date>();
  let seen = 0;
  for (;;) {
    const events = await executionHistory(sfn, executionArn);
    for (const event of events.slice(seen)) {
      const name = event.stateEnteredEventDetails?.name;
      if (name && event.type === 'TaskStateEntered') entered.set(name, event.timestamp!);
      const exited = event.stateExitedEventDetails?.name;
      if (exited && event.type === 'TaskStateExited' && entered.has(exited)) {
        onState({
          state: exited,
          status: 'succeeded',
          seconds: (event.timestamp!.getTime() - entered.get(exited)!.getTime()) / 1000,
        });
        entered.delete(exited);
      }
    }
    seen = events.length;
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== 'RUNNING' && described.status !== 'PENDING_REDRIVE') {
      // The task that was still running when the execution failed is the one that failed.
      const last = events.at(-1)?.timestamp ?? new Date();
      for (const [state, at] of entered) {
        onState({ state, status: 'failed', seconds: (last.getTime() - at.getTime()) / 1000 });
      }
      return {
        status: described.status!,
        error: described.error,
        cause: described.cause,
        output: described.output,
      };
    }
    await sleep(options.pollMs ?? 5000);
  }
}

/** Every event of an execution's history, oldest first. */
export async function executionHistory(sfn: SfnSender, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let token: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, nextToken: token, maxResults: 1000 }),
    );
    events.push(...(page.events ?? []));
    token = page.nextToken;
  } while (token);
  return events;
}
