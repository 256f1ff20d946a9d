import { effectiveTraining, loadConfig } from '../../config';
import { unpricedInstanceTypes } from '../../lib/tools/cost/configured-instance-types';
import { PRICE_TABLE } from '../../lib/tools/cost/prices';
import { configInput } from '../support/config-fixtures';

/**
 * A model's own training instance type (`training.models.<model>.instanceType`) is what its
 * training job runs on, so the cost report prices it, or names it as unpriced at that field and
 * for that model only.
 */
const committed = loadConfig(configInput());
const priced = committed.environments.filter((env) => PRICE_TABLE.regions[env.region]);
/** A GPU type some priced region has no training price for. */
const unpricedGpu = (region: string) =>
  ['ml.p4d.24xlarge', 'ml.g5.48xlarge', 'ml.g6.xlarge'].find(
    (type) => !PRICE_TABLE.regions[region].sagemakerTraining[type],
  )!;

test.each(priced.flatMap((env) => committed.models.map((m) => [env.name, m.name] as const)))(
  '%s/%s: an override type the table lacks is one line at the override, naming that model only',
  (envName, model) => {
    const configured = committed.environments.find((e) => e.name === envName)!;
    const type = unpricedGpu(configured.region);
    expect(type).toBeDefined();
    // As the cost report reads it (the configuration's image rules are checked elsewhere).
    const settings = {
      ...configured,
      training: { ...configured.training, models: { [model]: { instanceType: type } } },
    };
    expect(effectiveTraining(settings, model).instanceType).toBe(type);
    const lines = unpricedInstanceTypes(committed.models, settings, PRICE_TABLE).filter(
      (u) => u.instanceType === type,
    );
    expect(lines.map((u) => [u.field, u.models])).toEqual([
      [`training.models.${model}.instanceType`, [model]],
    ]);
    expect(lines[0].line).toBe(
      `environment ${envName}, model ${model}, training.models.${model}.instanceType ${type}: ${lines[0].missing}`,
    );
    // The other models still train on the environment's type, priced as before.
    const others = unpricedInstanceTypes(committed.models, settings, PRICE_TABLE).filter(
      (u) => u.field === 'training.instanceType',
    );
    for (const line of others) expect(line.models).not.toContain(model);
  },
);
