import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { startTraining, trainingEntryPoint, waitForExecution } from '../../lib/ops/training-runs';

const sfn = mockClient(SFNClient);
afterEach(() => sfn.reset());
const at = (s: number) => new Date(Date.UTC(2026, 10, 30, 10, 0, s));
const entered = (name: string, s: number) => ({
  type: 'TaskStateEntered' as const,
  timestamp: at(s),
  id: s,
  stateEnteredEventDetails: { name },
});
const exited = (name: string, s: number) => ({
  type: 'TaskStateExited' as const,
  timestamp: at(s),
  id: s + 1000,
  stateExitedEventDetails: { name },
});

test('starts the pipeline with the dataset version as its input', async () => {
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec' });
  const input = { datasetS3Uri: 's3://raw/churn/versions/v1/', datasetVersion: 'v1', reason: 'manual' };
  expect(await startTraining(sfn as never, 'arn:sm', 'manual-1', input)).toBe('arn:exec');
  expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input).toEqual({
    stateMachineArn: 'arn:sm',
    name: 'manual-1',
    input: JSON.stringify(input),
  });
});

test('--wait tells each state once as it ends, and how the execution failed', async () => {
  sfn
    .on(GetExecutionHistoryCommand)
    .resolvesOnce({ events: [entered('Preprocess', 0)] })
    .resolvesOnce({ events: [entered('Preprocess', 0), exited('Preprocess', 40), entered('Train', 41)] })
    .resolves({ events: [entered('Preprocess', 0), exited('Preprocess', 40), entered('Train', 41)] });
  sfn
    .on(DescribeExecutionCommand)
    .resolvesOnce({ status: 'RUNNING' })
    .resolvesOnce({ status: 'RUNNING' })
    .resolves({ status: 'FAILED', error: 'States.TaskFailed', cause: 'AlgorithmError: boom' });
  const states: string[] = [];
  const end = await waitForExecution(
    sfn as never,
    'arn:exec',
    (s) => states.push(`${s.status} ${s.state} ${s.seconds}`),
    { sleep: async () => undefined },
  );
  expect(states).toEqual(['succeeded Preprocess 40', 'failed Train 0']);
  expect(end).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed', cause: 'AlgorithmError: boom' });
});

describe('what a training run of a model starts', () => {
  const pipelineArn = 'arn:aws:states:eu-west-1:111111111111:stateMachine:training';
  const dataPipelineArn = 'arn:aws:states:eu-west-1:111111111111:stateMachine:data';
  test('its data pipeline where it has one (features first, then training)', () => {
    expect(trainingEntryPoint({ pipelineArn, dataPipelineArn })).toEqual({
      stateMachineArn: dataPipelineArn,
      throughDataPipeline: true,
    });
  });
  test('else its training pipeline', () => {
    expect(trainingEntryPoint({ pipelineArn })).toEqual({
      stateMachineArn: pipelineArn,
      throughDataPipeline: false,
    });
  });
});
