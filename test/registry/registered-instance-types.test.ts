import { asList, asObject } from '../../cfn/json-values';
import { pascalCase } from '../../cfn/pascal-case';
import { stateMachineDefinition } from '../../cfn/template-intrinsics';
import { ModelStack } from '../../lib/platform/stacks/model-stack';
import { platformAssembly } from '../support/platform';

const { assembly, config } = platformAssembly();

/** Every state of a definition, nested ones (Parallel branches, Map iterators) included. */
function states(definition: unknown): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) return value.forEach(walk);
    const object = asObject(value);
    if (!object) return;
    if (typeof object.Type === 'string') found.push(object);
    Object.values(object).forEach(walk);
  };
  walk(definition);
  return found;
}

const cases = config.environments.flatMap((env) =>
  config.models.map((model) => [env.name, model.name, env, model] as const),
);

describe('a registered package names the instance type its environment serves it on (SageMaker refuses to host a package on a type it does not list)', () => {
  test.each(cases)('%s %s', (_env, _model, env, model) => {
    const definition = stateMachineDefinition(
      assembly,
      `${env.stageId}/${ModelStack.idOf(model.name)}`,
      `${pascalCase(model.name)}Pipeline/StateMachine`,
    );
    const registrations = states(definition).filter((s) => {
      const resource = String(s.Resource ?? '');
      return resource.endsWith(':sagemaker:createModelPackage');
    });
    expect(registrations).toHaveLength(1);
    const inference = asObject(asObject(registrations[0].Parameters)?.InferenceSpecification);
    const types = asList(inference?.SupportedRealtimeInferenceInstanceTypes);
    if (env.serving.kind === 'instance') expect(types).toContain(env.serving.instanceType);
    else expect(types.length).toBeGreaterThan(0);
    // A batch-served model's transforms run on the environment's batch type.
    if (model.serving.mode === 'batch') {
      expect(asList(inference?.SupportedTransformInstanceTypes)).toContain(env.serving.batch.instanceType);
    }
  });
});
