import { Stack, Stage } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { loadConfig, platformConfig } from '../../config';
import { EXISTS, NO_RESOURCE } from '../../lib/tools/parity/compare';
import { formatParityReport } from '../../lib/tools/parity/report';
import type { MlEnvironmentStage } from '../../lib/platform/stages/ml-environment-stage';
import { configInput } from '../support/config-fixtures';
import { HOLDOUTS } from './holdouts';
import { parity } from './parity-fixtures';

const config = platformConfig();
const { reference } = config;

describe('each environment must be the reference rendered with its knob values', () => {
  test.each(HOLDOUTS.map((h) => [h.name, h] as const))(
    '%s fails parity, in that environment only',
    (_, holdout) => {
      const edited = holdout.environment(config);
      const result = parity({
        explain: false,
        change: (stage) => {
          if (stage.environment.name === edited) holdout.apply(stage);
        },
      });
      expect(result.violations.length).toBeGreaterThan(0);
      expect(new Set(result.violations.map((v) => v.environment))).toEqual(new Set([edited]));
      // One readable line naming environment, stack, resource and property, then both values.
      const report = formatParityReport(result);
      const [first] = result.violations;
      expect(report).toContain(
        `${edited}: stack ${first.stack}, ${first.constructPath} (${first.logicalId}, ${first.resourceType})`,
      );
      expect(report).toContain(`${reference} rendered with ${edited}'s knobs`);
      expect(report).toMatch(new RegExp(`${result.violations.length} undeclared differences?`));
    },
  );

  test("the dev-alone edit is found where it is: the run recorder's policy, s3:DeleteObject against nothing", () => {
    const holdout = HOLDOUTS[HOLDOUTS.length - 1];
    const edited = holdout.environment(config);
    const result = parity({
      explain: false,
      change: (stage) => {
        if (stage.environment.name === edited) holdout.apply(stage);
      },
    });
    expect(result.violations).toContainEqual(
      expect.objectContaining({
        environment: edited,
        constructPath: expect.stringMatching(/RunRecorder\/Role\/DefaultPolicy$/),
        actual: 's3:DeleteObject',
        rendered: undefined,
      }),
    );
  });

  // Code that decides by an environment's name rather than its knobs: it runs in the renderings
  // too, where the name is the reference's, so the environment differs from its rendering.
  test.each(config.environments.map((e) => [e.name] as const))(
    'code that branches on the name %s fails parity',
    (named) => {
      const original = Stack.prototype.addStackDependency;
      const spy = jest.spyOn(Stack.prototype, 'addStackDependency').mockImplementation(function (
        this: Stack,
        ...args
      ) {
        const stage = Stage.of(this) as MlEnvironmentStage | undefined;
        if (
          stage?.environment?.name === named &&
          this.node.id === 'Training' &&
          !this.node.tryFindChild('ByName')
        ) {
          new ssm.StringParameter(this, 'ByName', { stringValue: 'decided by name' });
        }
        return original.apply(this, args);
      });
      try {
        const result = parity({ explain: false });
        const failing = new Set(result.violations.map((v) => v.environment));
        // Branching on the reference's name puts the resource in every rendering, so every other
        // environment fails; on another name, that environment does.
        const expected = config.environments
          .map((e) => e.name)
          .filter((n) => (named === reference ? n !== reference : n === named));
        expect(failing).toEqual(new Set(expected));
        expect(
          result.violations.every((v) => v.path === EXISTS && v.constructPath === 'Training/ByName'),
        ).toBe(true);
      } finally {
        spy.mockRestore();
      }
    },
  );
});

describe('the differences between environments are attributed by rendering, not declared', () => {
  test('a knob change is explained and attributed to its knob', () => {
    const other = config.environments.find((e) => e.name !== reference)!.name;
    const input = configInput();
    input.environments[other].costCentre = `${input.environments[reference].costCentre}-research`;
    const changed = loadConfig(input);
    const result = parity({ config: changed });
    expect(result.violations).toEqual([]);
    const tagged = result.differences.filter((d) => d.path === 'Properties.Tags[mlenv:cost-centre]');
    expect(tagged.length).toBeGreaterThan(0);
    for (const d of tagged) {
      expect(d.knob).toBe('costCentre');
      for (const env of changed.environments) {
        if (d.values[env.name] !== NO_RESOURCE) expect(d.values[env.name]).toBe(env.costCentre);
      }
    }
  });

  test('every difference of the platform is attributed to knob groups in which that environment differs', () => {
    const result = parity({});
    expect(result.violations).toEqual([]);
    expect(result.attribution?.renderings).toBeGreaterThan(0);
    const groups = new Set(
      config.environments.flatMap((e) =>
        Object.keys(e).filter((k) => !['name', 'stageId', 'account', 'region'].includes(k)),
      ),
    );
    for (const d of result.differences) {
      const label = d.knob!.replace(/ \((declared divergence|together)\)/g, '');
      for (const group of label.split(' + ')) expect(groups).toContain(group);
    }
    expect(formatParityReport(result)).toMatch(/0 undeclared differences, \d+ explained by knobs$/);
  });
});
