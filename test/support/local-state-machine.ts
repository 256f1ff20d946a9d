import { StateMachine } from 'aws-local-stepfunctions';

type Definition = ConstructorParameters<typeof StateMachine>[0];
type Options = NonNullable<ConstructorParameters<typeof StateMachine>[1]>;

/** Each definition (and validation options) this test file has had validated, as JSON. */
const validated = new Set<string>();

/**
 * An aws-local-stepfunctions state machine of `definition`, validated as its constructor does the
 * first time this test file runs that definition. The constructor validates with a new JSON
 * schema compiler each time (about 0.2 s); the validation of the same definition with the same
 * options gives the same answer, so a test file that runs one definition many times pays it once.
 */
export function localStateMachine(definition: Definition, options: Options = {}): StateMachine {
  const key = JSON.stringify([definition, options.validationOptions ?? {}]);
  if (validated.has(key)) {
    return new StateMachine(definition, {
      ...options,
      validationOptions: { ...options.validationOptions, noValidate: true },
    });
  }
  const machine = new StateMachine(definition, options);
  validated.add(key);
  return machine;
}
