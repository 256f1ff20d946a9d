import {
  type CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { LogDestination } from '../ops/job-log-locations';

/** A line a local job wrote, when, and on which of its outputs (when the runner tells it). */
export interface LoggedLine {
  readonly timestamp: number;
  readonly message: string;
  readonly stream?: 'stdout' | 'stderr';
}

/** Collects a job's lines as it writes them (a job runner's `onLog`). */
export class JobLines {
  public readonly lines: LoggedLine[] = [];
  public readonly onLog = (message: string, stream?: 'stdout' | 'stderr'): void => {
    this.lines.push({ timestamp: Date.now(), message, ...(stream ? { stream } : {}) });
  };
}

/** PutLogEvents' limits: 10,000 events and 1,048,576 bytes a call (26 bytes counted per event). */
const MAX_EVENTS = 10_000;
const MAX_BYTES = 1_048_576;
const EVENT_OVERHEAD = 26;
/** CloudWatch Logs' largest event (a longer line is cut). */
const MAX_EVENT_BYTES = 256 * 1024 - EVENT_OVERHEAD;

/**
 * Writes a job's lines to its streams in CloudWatch Logs (here the emulator's), as the service
 * that ran it would: the group is created if it does not exist (a group the templates declare,
 * with its key and retention, is written into as it is), then the stream, then the events in
 * order, in as few PutLogEvents calls as the limits allow. Empty lines are left out (CloudWatch
 * Logs has no empty events).
 */
export async function writeJobLog(
  logs: Pick<CloudWatchLogsClient, 'send'>,
  destinations: readonly LogDestination[],
  lines: readonly LoggedLine[],
): Promise<void> {
  for (const destination of destinations) {
    const events = lines
      .filter((l) => l.message.trim() !== '' && (!destination.only || l.stream === destination.only))
      .map((l) => ({ timestamp: l.timestamp, message: truncate(l.message) }));
    const { logGroupName, logStreamName } = destination;
    await ignoreExisting(logs.send(new CreateLogGroupCommand({ logGroupName })));
    await ignoreExisting(logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName })));
    let batch: typeof events = [];
    let bytes = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      await logs.send(new PutLogEventsCommand({ logGroupName, logStreamName, logEvents: batch }));
      batch = [];
      bytes = 0;
    };
    for (const event of events) {
      const size = Buffer.byteLength(event.message) + EVENT_OVERHEAD;
      if (batch.length === MAX_EVENTS || bytes + size > MAX_BYTES) await flush();
      batch.push(event);
      bytes += size;
    }
    await flush();
  }
}

function truncate(message: string): string {
  const bytes = Buffer.from(message);
  return bytes.length <= MAX_EVENT_BYTES ? message : bytes.subarray(0, MAX_EVENT_BYTES).toString('utf8');
}

async function ignoreExisting(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if ((error as Error).name !== 'ResourceAlreadyExistsException') throw error;
  }
}
