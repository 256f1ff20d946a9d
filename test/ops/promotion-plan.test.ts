import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformConfig } from '../../config';
import { assertPinFileCommitted } from '../../lib/ops/pin-file';
import { planPromotion } from '../../lib/ops/promotion-plan';

const config = platformConfig();
const model = config.models[0].name;
const order = config.promotion;
const outside = config.environments.filter((e) => !order.includes(e.name)).map((e) => e.name);

test('each environment of the order is promoted into from the one before it, with nothing skipped', () => {
  for (let i = 1; i < order.length; i++) {
    const plan = planPromotion(config, model, order[i - 1], order[i]);
    expect([plan.from.name, plan.to.name, plan.skipped]).toEqual([order[i - 1], order[i], []]);
  }
});

test('backwards, to itself, or outside the order is refused whatever the options', () => {
  const force = { force: true, reason: 'because' };
  for (let i = 1; i < order.length; i++) {
    expect(() => planPromotion(config, model, order[i], order[i - 1], force)).toThrow(
      `${order[i - 1]} comes before ${order[i]}`,
    );
    expect(() => planPromotion(config, model, order[i], order[i], force)).toThrow('--from and --to are both');
  }
  for (const name of outside) {
    expect(() => planPromotion(config, model, name, order[0], force)).toThrow(
      `${name} is not in the promotion order`,
    );
    expect(() => planPromotion(config, model, order.at(-1)!, name, force)).toThrow(
      `${name} is not in the promotion order`,
    );
  }
  expect(() => planPromotion(config, 'no-such-model', order[0], order[1])).toThrow(
    "no model named 'no-such-model'",
  );
  expect(() => planPromotion(config, model, order[0], 'nowhere')).toThrow("no environment named 'nowhere'");
});

test('skipping an environment takes --force and a reason', () => {
  for (let i = 0; i + 2 < order.length; i++) {
    const [from, to] = [order[i], order[i + 2]];
    expect(() => planPromotion(config, model, from, to)).toThrow(`skips ${order[i + 1]}`);
    expect(() => planPromotion(config, model, from, to, { force: true })).toThrow('--force needs a reason');
    expect(() => planPromotion(config, model, from, to, { force: true, reason: '  ' })).toThrow(
      '--force needs a reason',
    );
    expect(planPromotion(config, model, from, to, { force: true, reason: 'hotfix' }).skipped).toEqual([
      order[i + 1],
    ]);
  }
});

test('a pins file outside a git clone is refused: whether it has uncommitted changes cannot be told', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlenv-no-git-'));
  try {
    writeFileSync(join(dir, 'prod.json'), '{}');
    expect(() => assertPinFileCommitted(join(dir, 'prod.json'))).toThrow('cannot tell whether');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
