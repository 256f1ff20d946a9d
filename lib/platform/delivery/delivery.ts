import { type App, Stage, Tags, Validations } from 'aws-cdk-lib';
import { MlPolicyPack, TemplateLimits } from '../../../constructs';
import type { MlEnvConfig } from '../../../config';
import { deployTargets } from './deploy-targets';
import { DeliveryAccessStack } from './delivery-access-stack';
import type { MlEnvironmentStage } from '../stages/ml-environment-stage';
import { AppStackChecks } from './app-stack-checks';
import { DeliveryStack } from './delivery-stack';

/** The id of the delivery pipeline's stack, beside the environment stages. */
export const DELIVERY_STACK_ID = 'Delivery';

/** The stage holding an environment's delivery access (`DeliveryAccessStaging`). */
export function deliveryAccessStageId(stageId: string): string {
  return `DeliveryAccess${stageId}`;
}

/** What `addDelivery` added; nothing without a delivery section. */
export interface DeliveryStacks {
  readonly pipeline: DeliveryStack;
  readonly access: readonly DeliveryAccessStack[];
}

/**
 * Adds the delivery pipeline (`Delivery`, in the tooling account, never in an environment stage)
 * and one `DeliveryAccess<Stage>` stage per environment of the delivery order, with the roles
 * GitHub Actions and the pipeline's checks assume in that environment's account.
 */
export function addDelivery(
  app: App,
  config: MlEnvConfig,
  stages: readonly MlEnvironmentStage[],
): DeliveryStacks | undefined {
  const { delivery } = config;
  if (!delivery) return undefined;
  const targets = deployTargets(config);
  const accountsWithProvider = new Set<string>();
  const access = targets.map((target) => {
    const stage = new Stage(app, deliveryAccessStageId(target.stageId), {
      env: { account: target.account, region: target.region },
    });
    Validations.of(stage).addPlugins(...deliveryChecks());
    // An account holds one provider per URL: the first environment in it creates it.
    const create = delivery.githubOidcProvider === 'create' && !accountsWithProvider.has(target.account);
    accountsWithProvider.add(target.account);
    return new DeliveryAccessStack(stage, 'Roles', {
      project: config.project,
      target,
      toolingAccount: delivery.account,
      oidcProvider: create ? 'create' : 'existing',
    });
  });
  const pipeline = new DeliveryStack(app, DELIVERY_STACK_ID, {
    env: { account: delivery.account, region: delivery.region },
    project: config.project,
    delivery,
    targets: targets.map((target) => ({
      target,
      stage: stages.find((s) => s.environment.name === target.environment)!,
    })),
  });
  Validations.of(app).addPlugins(...deliveryChecks().map((plugin) => new AppStackChecks(plugin)));
  for (const scope of [pipeline, ...access]) Tags.of(scope).add('mlenv:project', config.project);
  return { pipeline, access };
}

/** The checks an environment stage runs on its stacks, for the delivery stacks (no production rules: they serve nothing). */
function deliveryChecks() {
  return [new MlPolicyPack({ trustedAccounts: [] }), new TemplateLimits()];
}
