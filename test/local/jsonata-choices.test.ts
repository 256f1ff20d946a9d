import '../../lib/tools/authorization/promise-with-resolvers';
import { localStateMachine } from '../support/local-state-machine';
import { locallyRunnable } from '../../cfn/jsonata-choices';

type Json = Record<string, unknown>;

/** A JSONPath machine with one JSONata Choice state, as the pipelines have, each end recording where it went. */
function machine(choice: Json): Json {
  const end = (where: string) => ({ Type: 'Pass', Result: where, ResultPath: '$.went', End: true });
  const targets = [
    ...((choice.Choices as Json[]).map((c) => c.Next) as string[]),
    ...(choice.Default ? [choice.Default as string] : []),
  ];
  return {
    StartAt: 'Before',
    States: {
      Before: { Type: 'Pass', Next: 'Check' },
      Check: { Type: 'Choice', QueryLanguage: 'JSONata', ...choice },
      ...Object.fromEntries(targets.map((t) => [t, end(t.toLowerCase())])),
    },
  };
}

const CHOICE = {
  Choices: [
    { Condition: '{% $states.input.n < 10 %}', Next: 'Small' },
    { Condition: '{% $states.input.n < 100 %}', Next: 'Big' },
  ],
  Default: 'Other',
};

async function run(definition: Json, input: Json) {
  const runnable = locallyRunnable(definition);
  const execution = localStateMachine(runnable.definition as never, {
    validationOptions: { checkArn: false },
  }).run(input as never, { overrides: { taskResourceLocalHandlers: runnable.handlers as never } });
  try {
    return { output: await execution.result };
  } catch (error) {
    const failure = error as Error & { cause?: Error };
    return { error: failure.cause?.name ?? failure.name, cause: failure.cause?.message ?? failure.message };
  }
}

test.each([
  [{ n: 3, keep: 'x' }, 'small'],
  [{ n: 30, keep: 'x' }, 'big'],
  [{ n: 300, keep: 'x' }, 'other'],
])(
  'takes the first rule whose Condition is true, else Default, with the input unchanged (%j)',
  async (input, went) => {
    expect(await run(machine(CHOICE), input)).toEqual({ output: { ...input, went } });
  },
);

test('without a Default and no rule true, fails as States.NoChoiceMatched', async () => {
  const { Default: _none, ...noDefault } = CHOICE;
  expect(await run(machine(noDefault), { n: 300 })).toMatchObject({ error: 'States.NoChoiceMatched' });
});

test('a Condition that is not a boolean fails as States.QueryEvaluationError', async () => {
  const choice = { Choices: [{ Condition: '{% $states.input.n %}', Next: 'Small' }], Default: 'Other' };
  expect(await run(machine(choice), { n: true as never })).toMatchObject({ output: { went: 'small' } });
  expect(await run(machine(choice), { n: 3 })).toMatchObject({ error: 'States.QueryEvaluationError' });
});

test('JSONPath states are left as they are, and any JSONata state but a Choice or Pass is refused', () => {
  const definition = machine(CHOICE);
  const { definition: runnable } = locallyRunnable(definition);
  expect((runnable.States as Json).Before).toEqual((definition.States as Json).Before);
  expect((runnable.States as Json).Check).toMatchObject({ Type: 'Task', Next: 'Other' });
  expect(() =>
    locallyRunnable({
      StartAt: 'W',
      States: { W: { Type: 'Wait', QueryLanguage: 'JSONata', Seconds: 1, End: true } },
    }),
  ).toThrow('W: a JSONata Wait state cannot run locally');
  expect(() =>
    locallyRunnable({
      StartAt: 'P',
      States: { P: { Type: 'Pass', QueryLanguage: 'JSONata', Assign: { x: 1 }, End: true } },
    }),
  ).toThrow('P: a JSONata Pass state cannot run locally');
  expect(() => locallyRunnable({ QueryLanguage: 'JSONata', StartAt: 'P', States: {} })).toThrow(
    'a JSONata state machine cannot run locally',
  );
});

// The Amazon States Language: a JSONata state's Output is its whole output; without one, its input passes.
test('a JSONata Pass state outputs what its Output expression gives over $states.input, or its input', async () => {
  const pass = (extra: Json): Json => ({
    StartAt: 'Name',
    States: {
      Name: { Type: 'Pass', QueryLanguage: 'JSONata', ...extra, Next: 'After' },
      After: { Type: 'Pass', Result: 'yes', ResultPath: '$.after', End: true },
    },
  });
  const input = { run: { id: '0123456789abcdef' }, keep: 'x' };
  const output = "{% $merge([$states.input, {'short': $substring($states.input.run.id, 0, 6)}]) %}";
  expect(await run(pass({ Output: output }), input)).toEqual({
    output: { ...input, short: '012345', after: 'yes' },
  });
  expect(await run(pass({}), input)).toEqual({ output: { ...input, after: 'yes' } });
  expect(await run(pass({ Output: '{% $error("no") %}' }), input)).toMatchObject({
    error: 'States.QueryEvaluationError',
  });
});

test("a Task without a timeout runs as long as its work takes, as on AWS (the language's default, 99999999 s), not aws-local-stepfunctions' 60 s", () => {
  const task = { Type: 'Task', Resource: 'arn:aws:states:::sagemaker:createTrainingJob.sync', End: true };
  const { definition } = locallyRunnable({
    StartAt: 'Train',
    States: {
      Train: task,
      Timed: { ...task, TimeoutSeconds: 30 },
      ByPath: { ...task, TimeoutSecondsPath: '$.timeout' },
      Nested: { Type: 'Parallel', Branches: [{ StartAt: 'Inner', States: { Inner: task } }], End: true },
    },
  });
  const states = definition.States as Record<string, Json>;
  // The language's default as far as a Node.js timer reaches (a longer one fires after 1 ms).
  expect(states.Train.TimeoutSeconds).toBe(Math.floor((2 ** 31 - 1) / 1000));
  expect(states.Timed.TimeoutSeconds).toBe(30);
  expect(states.ByPath.TimeoutSeconds).toBeUndefined();
  const inner = ((states.Nested.Branches as Json[])[0].States as Record<string, Json>).Inner;
  expect(inner.TimeoutSeconds).toBe(states.Train.TimeoutSeconds);
});

test('a Task without a timeout that awaits its work succeeds locally (no timer overflow)', async () => {
  const { definition, handlers } = locallyRunnable({
    StartAt: 'Work',
    States: { Work: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:s3:getObject', End: true } },
  });
  const machine = localStateMachine(definition as never, { validationOptions: { checkArn: false } });
  const execution = machine.run({} as never, {
    overrides: {
      taskResourceLocalHandlers: {
        ...handlers,
        Work: () => new Promise((resolve) => setTimeout(() => resolve({ done: true }), 50)),
      } as never,
    },
  });
  await expect(execution.result).resolves.toEqual({ done: true });
});
