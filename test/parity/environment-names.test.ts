import { loadConfig } from '../../config';
import { checkParity } from '../../lib/tools/parity/check';
import { withoutNames } from '../../lib/tools/parity/identity';
import { configInput } from '../support/config-fixtures';
import { platformAssembly } from '../support/platform';
import { parity } from './parity-fixtures';

/** Words of templates (ARN partition, ASL intrinsics, service names) that are also valid environment names. */
const TEMPLATE_WORDS = ['aws', 'states', 'arn', 's3', 'sagemaker', 'mlenv'];

const named = (...names: string[]) =>
  Object.fromEntries(names.map((name) => [name, { name, stageId: name[0].toUpperCase() + name.slice(1) }]));

describe('environment names are replaced as whole words where every environment has its own', () => {
  test('an ARN keeps its partition when an environment is named aws', () => {
    const values = { aws: 'arn:aws:s3:::mlenv-aws-raw/*', prod: 'arn:aws:s3:::mlenv-prod-raw/*' };
    expect(withoutNames(values, named('aws', 'prod'))).toEqual({
      aws: 'arn:aws:s3:::mlenv-<env>-raw/*',
      prod: 'arn:aws:s3:::mlenv-<env>-raw/*',
    });
  });

  test('stage ids and ids CDK derives from them are replaced; other words are not', () => {
    const values = {
      states: {
        'Fn::ImportValue': 'States-Network:Out',
        id: 'StatesServingPolicy7E6D23F7',
        f: "States.Format('{}')",
      },
      prod: {
        'Fn::ImportValue': 'Prod-Network:Out',
        id: 'ProdServingPolicyDAF1F8D7',
        f: "States.Format('{}')",
      },
    };
    const replaced = {
      'Fn::ImportValue': '<env>-Network:Out',
      id: '<env>ServingPolicy<hash>',
      f: "States.Format('{}')",
    };
    expect(withoutNames(values, named('states', 'prod'))).toEqual({ states: replaced, prod: replaced });
  });

  test('a different value stays different', () => {
    const values = { aws: 'mlenv-aws-raw', prod: 'mlenv-prod-curated' };
    const result = withoutNames(values, named('aws', 'prod'));
    expect(result.aws).not.toEqual(result.prod);
  });

  test('the platform has the same differences, and no undeclared one, when its environments are named like template words', () => {
    // Rename each environment other than the reference that the configuration accepts under the
    // new name (validation may tie rules to names such as `dev`).
    type Input = ReturnType<typeof configInput> & {
      promotion: string[];
      delivery?: { order?: string[]; manualApproval?: string[] };
    };
    const rename = (names: string[] | undefined, from: string, to: string) =>
      names?.map((name) => (name === from ? to : name));
    const renamed = (input: Input, from: string, to: string): Input => ({
      ...input,
      environments: Object.fromEntries(
        Object.entries(input.environments).map(([name, settings]) => [name === from ? to : name, settings]),
      ),
      promotion: rename(input.promotion, from, to)!,
      ...(input.delivery
        ? {
            delivery: {
              ...input.delivery,
              order: rename(input.delivery.order, from, to),
              manualApproval: rename(input.delivery.manualApproval, from, to),
            },
          }
        : {}),
    });
    const accepts = (input: Input) => {
      try {
        return loadConfig(input) !== undefined;
      } catch {
        return false;
      }
    };
    let input = configInput() as Input;
    const reference = loadConfig(input).reference;
    const words = [...TEMPLATE_WORDS];
    for (const name of Object.keys(input.environments).filter((n) => n !== reference)) {
      const word = words[0];
      if (word !== undefined && accepts(renamed(input, name, word))) {
        input = renamed(input, name, word);
        words.shift();
      }
    }
    expect(words.length).toBeLessThan(TEMPLATE_WORDS.length);

    const result = parity({ config: loadConfig(input) });
    expect(result.violations).toEqual([]);
    const { assembly, config } = platformAssembly();
    const rows = (r: typeof result) => r.differences.map((d) => `${d.constructPath} ${d.path}`);
    expect(rows(result)).toEqual(rows(checkParity(assembly, config)));
  });
});
