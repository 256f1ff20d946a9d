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
    expect([plan.from.name, plan.to.name]).toEqual([order[i - 1], order[i]]);
  }
});

test('backwards, to itself, or outside the order is refused', () => {
  for (let i = 1; i < order.length; i++) {
    expect(() => planPromotion(config, model, order[i], order[i - 1])).toThrow(
      `${order[i - 1]} comes before ${order[i]}`,
    );
    expect(() => planPromotion(config, model, order[i], order[i])).toThrow('--from and --to are both');
  }
  for (const name of outside) {
    expect(() => planPromotion(config, model, name, order[0])).toThrow(
      `${name} is not in the promotion order`,
    );
    expect(() => planPromotion(config, model, order.at(-1)!, name)).toThrow(
      `${name} is not in the promotion order`,
    );
  }
  expect(() => planPromotion(config, 'no-such-model', order[0], order[1])).toThrow(
    "no model named 'no-such-model'",
  );
  expect(() => planPromotion(config, model, order[0], 'nowhere')).toThrow("no environment named 'nowhere'");
});

test('an environment of the order is never skipped: a registry is read only by the next promotion role', () => {
  for (let i = 0; i + 2 < order.length; i++) {
    const [from, to] = [order[i], order[i + 2]];
    expect(() => planPromotion(config, model, from, to)).toThrow(
      `skips ${order[i + 1]} (order ${order.join(' -> ')}): ${from}'s registry is read only by ${order[i + 1]}'s promotion role; promote to ${order[i + 1]} first`,
    );
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
