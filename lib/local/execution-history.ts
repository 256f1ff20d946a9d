import type { JsonObject } from '../../cfn/json-values';
import type { ExecutionEvent } from './authorized-execution';

/** A history event as GetExecutionHistory answers it (timestamps as ISO 8601 strings). */
export interface RecordedEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly type: string;
  readonly timestamp: string;
  readonly [details: string]: unknown;
}

/** How an execution ended, as the runner tells it (an interrupt ends it ABORTED). */
export interface ExecutionEnd {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

/**
 * The process running an execution on this machine: while it lives the execution is RUNNING; once
 * it is gone without recording the end, the emulator ends the execution ABORTED.
 */
export interface ExecutionRunner {
  readonly pid: number;
  /** When the process started, in milliseconds since the epoch (a later process given its pid is not it). */
  readonly startedAt: number;
}

/** An execution, as the emulator's Step Functions is to describe it: running, or ended. */
export interface RecordedExecution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly status: 'RUNNING' | ExecutionEnd['status'];
  readonly input: unknown;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly startDate: string;
  /** Only once it ended. */
  readonly stopDate?: string;
  /** Only while it runs. */
  readonly runner?: ExecutionRunner;
  readonly events: readonly RecordedEvent[];
}

/** This process, as the runner of the executions it runs. */
export function thisRunner(): ExecutionRunner {
  return { pid: process.pid, startedAt: Math.floor(performance.timeOrigin) };
}

/**
 * A Task state's integration (`sagemaker:createTrainingJob`, `aws-sdk:s3:getObject`) as Step
 * Functions names it in its events: the resource type (`sagemaker`, `aws-sdk:s3`) and the resource
 * (`createTrainingJob`). Whether the task waited (`.sync`) is not in the integration's name, so
 * the resource is the API action alone.
 */
export function integrationResource(integration: string): { resourceType: string; resource: string } {
  const parts = integration.split(':');
  return { resourceType: parts.slice(0, -1).join(':'), resource: parts.at(-1)! };
}

/** An error's name and message, as a task's failure is told: `<name>: <message>`. */
function namedError(text: string): { error: string; cause: string } {
  const named = /^([\w.]+): ([\s\S]*)$/.exec(text);
  return named ? { error: named[1], cause: named[2] } : { error: 'States.TaskFailed', cause: text };
}

/**
 * The history of a local execution as Step Functions records one (GetExecutionHistory's events):
 * ExecutionStarted; for each Task state TaskStateEntered, TaskScheduled (its resource and
 * parameters), TaskStarted, TaskSubmitted (what the service answered to the start: the job, run,
 * build or execution it started), TaskSucceeded (its output) or TaskFailed (error and cause) and,
 * when it succeeded, TaskStateExited; then ExecutionSucceeded, ExecutionFailed or ExecutionAborted.
 * States that make no call (Choice, Pass, Fail) are not reported by the local runner and have no
 * events. `running()` is the execution as it is so far, `finish()` as it ended.
 */
export class ExecutionHistory {
  private readonly events: RecordedEvent[] = [];
  private readonly failed = new Set<string>();
  public readonly startDate = new Date();
  private changed?: () => void;

  public constructor(
    public readonly executionArn: string,
    public readonly stateMachineArn: string,
    public readonly input: unknown,
  ) {
    this.push('ExecutionStarted', {
      executionStartedEventDetails: {
        input: JSON.stringify(input ?? {}),
        inputDetails: { truncated: false },
      },
    });
  }

  /** Told by the runner as each Task state starts and ends. */
  public stateEvent(event: ExecutionEvent): void {
    if (event.kind === 'started') {
      this.failed.delete(event.state);
      this.push('TaskStateEntered', { stateEnteredEventDetails: { name: event.state } });
    } else if (event.kind === 'succeeded') {
      this.push('TaskStateExited', { stateExitedEventDetails: { name: event.state } });
    } else if (!this.failed.has(event.state)) {
      // Failed before its integration was called (a call the policies deny).
      const { error, cause } = namedError(event.error ?? 'States.TaskFailed');
      this.push('TaskFailed', { taskFailedEventDetails: { resourceType: '', resource: '', error, cause } });
    }
  }

  public taskScheduled(integration: string, parameters: JsonObject, region: string): void {
    const resource = integrationResource(integration);
    this.push('TaskScheduled', {
      taskScheduledEventDetails: { ...resource, region, parameters: JSON.stringify(parameters) },
    });
    this.push('TaskStarted', { taskStartedEventDetails: resource });
  }

  /** What the service answered to the task's start (`JobRunId`, `Build`, `ExecutionArn`, ...). */
  public taskSubmitted(integration: string, output: unknown): void {
    this.push('TaskSubmitted', {
      taskSubmittedEventDetails: { ...integrationResource(integration), output: JSON.stringify(output) },
    });
  }

  public taskSucceeded(integration: string, output: unknown): void {
    this.push('TaskSucceeded', {
      taskSucceededEventDetails: {
        ...integrationResource(integration),
        output: JSON.stringify(output ?? {}),
      },
    });
  }

  public taskFailed(state: string, integration: string, failure: Error): void {
    this.failed.add(state);
    this.push('TaskFailed', {
      taskFailedEventDetails: {
        ...integrationResource(integration),
        error: failure.name,
        cause: failure.message,
      },
    });
  }

  /** Told after each event is added (one listener: the recorder of the running execution), until `undefined`. */
  public onChange(listener: (() => void) | undefined): void {
    this.changed = listener;
  }

  /** The execution as it is so far: RUNNING in this process, with its input and start date. */
  public running(runner: ExecutionRunner = thisRunner()): RecordedExecution {
    return {
      executionArn: this.executionArn,
      stateMachineArn: this.stateMachineArn,
      status: 'RUNNING',
      input: this.input,
      startDate: this.startDate.toISOString(),
      runner,
      events: [...this.events],
    };
  }

  /** The execution, ended as the runner says. */
  public finish(end: ExecutionEnd): RecordedExecution {
    const stopDate = new Date();
    if (end.status === 'SUCCEEDED') {
      this.push(
        'ExecutionSucceeded',
        { executionSucceededEventDetails: { output: JSON.stringify(end.output ?? {}) } },
        stopDate,
      );
    } else if (end.status === 'ABORTED') {
      // StopExecution's error and cause, when given, are the aborted event's details.
      const details = {
        ...(end.error !== undefined ? { error: end.error } : {}),
        ...(end.cause !== undefined ? { cause: end.cause } : {}),
      };
      this.push('ExecutionAborted', { executionAbortedEventDetails: details }, stopDate);
    } else {
      this.push(
        'ExecutionFailed',
        { executionFailedEventDetails: { error: end.error ?? 'States.Runtime', cause: end.cause ?? '' } },
        stopDate,
      );
    }
    return {
      executionArn: this.executionArn,
      stateMachineArn: this.stateMachineArn,
      status: end.status,
      input: this.input,
      ...(end.status === 'SUCCEEDED' ? { output: end.output ?? {} } : {}),
      ...(end.error !== undefined ? { error: end.error } : {}),
      ...(end.cause !== undefined ? { cause: end.cause } : {}),
      startDate: this.startDate.toISOString(),
      stopDate: stopDate.toISOString(),
      events: [...this.events],
    };
  }

  private push(type: string, details: Record<string, unknown>, at = new Date()): void {
    const id = this.events.length + 1;
    this.events.push({ id, previousEventId: id - 1, type, timestamp: at.toISOString(), ...details });
    this.changed?.();
  }
}

/** The ARN Step Functions gives an execution named `name` of `stateMachineArn`. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}
