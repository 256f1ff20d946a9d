import {
  type EventBridgeClient,
  type InputTransformer,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  type Rule,
  type Target,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { PublishCommand } from '@aws-sdk/client-sns';
import { randomUUID } from 'node:crypto';
import type { JsonObject } from '../../cfn/json-values';
import { eventRuleCalls } from '../tools/authorization/event-rule-calls';
import type { LocalDeployment } from './local-deployment';

/** An event as a service sends it to EventBridge (its envelope is added here). */
export interface ServiceEvent {
  readonly source: string;
  readonly detailType: string;
  readonly detail: JsonObject;
  readonly resources?: readonly string[];
}

/** One target an event reached. */
export interface Delivery {
  readonly rule: string;
  readonly targetId: string;
  readonly targetArn: string;
  /** The input the target got, as EventBridge renders it. */
  readonly input: string;
}

/** What the local environment does for a Step Functions target (SNS targets are published to the emulator). */
export type StartExecution = (stateMachineArn: string, input: JsonObject) => Promise<void>;

/**
 * Delivers an event on the default bus as EventBridge would, with the rules deployed in the
 * emulator: each rule whose pattern matches it (moto's matcher, through `TestEventPattern`)
 * renders each target's input (`Input`, `InputPath` or `InputTransformer`), its calls (publishing
 * as `events.amazonaws.com`, or assuming the target's role and starting an execution) are checked
 * against the deployed policies, then SNS targets are published to in the emulator and Step
 * Functions targets are handed to `startExecution`. moto's buses deliver nothing to Step
 * Functions and receive no events from its SageMaker, hence this.
 */
export async function deliverEvent(
  deployment: LocalDeployment,
  serviceEvent: ServiceEvent,
  startExecution: StartExecution,
): Promise<Delivery[]> {
  const { events, sns } = deployment.clients;
  const event = {
    version: '0',
    id: randomUUID(),
    'detail-type': serviceEvent.detailType,
    source: serviceEvent.source,
    account: deployment.stage.account,
    time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    region: deployment.stage.region,
    resources: [...(serviceEvent.resources ?? [])],
    detail: serviceEvent.detail,
  };
  const text = JSON.stringify(event);
  const deliveries: Delivery[] = [];
  for (const rule of await allRules(events)) {
    if (!rule.EventPattern || rule.State === 'DISABLED') continue;
    const { Result } = await events.send(
      new TestEventPatternCommand({ EventPattern: rule.EventPattern, Event: text }),
    );
    if (!Result) continue;
    const deployed = deployment.authz.inventory.deployed;
    const resource = deployed
      .ofType('AWS::Events::Rule', deployment.stage)
      .find((r) => deployed.ref(r) === rule.Name);
    if (!resource) throw new Error(`the rule ${rule.Name} is not in the deployed assembly`);
    const { calls } = eventRuleCalls(deployed, deployment.authz.inventory, resource);
    for (const target of await allTargets(events, rule.Name!)) {
      await deployment.authorize(calls.filter((c) => c.origin.endsWith(` target ${target.Id}`)));
      const input = targetInput(target, event);
      const service = target.Arn!.split(':')[2];
      if (service === 'sns') {
        await sns.send(new PublishCommand({ TopicArn: target.Arn, Message: input }));
      } else if (service === 'states') {
        await startExecution(target.Arn!, JSON.parse(input) as JsonObject);
      } else {
        throw new Error(`the local environment cannot deliver to ${target.Arn} (rule ${rule.Name})`);
      }
      deliveries.push({ rule: rule.Name!, targetId: target.Id!, targetArn: target.Arn!, input });
    }
  }
  return deliveries;
}

async function allRules(events: EventBridgeClient): Promise<Rule[]> {
  const rules: Rule[] = [];
  let token: string | undefined;
  do {
    const page = await events.send(new ListRulesCommand({ NextToken: token }));
    rules.push(...(page.Rules ?? []));
    token = page.NextToken;
  } while (token);
  return rules;
}

async function allTargets(events: EventBridgeClient, rule: string): Promise<Target[]> {
  const targets: Target[] = [];
  let token: string | undefined;
  do {
    const page = await events.send(new ListTargetsByRuleCommand({ Rule: rule, NextToken: token }));
    targets.push(...(page.Targets ?? []));
    token = page.NextToken;
  } while (token);
  return targets;
}

/** The input EventBridge gives a target for `event`. */
export function targetInput(
  target: Pick<Target, 'Input' | 'InputPath' | 'InputTransformer'>,
  event: object,
): string {
  if (target.Input !== undefined) return target.Input;
  if (target.InputPath !== undefined) return JSON.stringify(valueAt(event, target.InputPath) ?? null);
  if (target.InputTransformer) return transform(target.InputTransformer, event);
  return JSON.stringify(event);
}

/** A value of the event at a simple JSON path (`$.detail.object.version-id`). */
function valueAt(event: object, path: string): unknown {
  if (path === '$') return event;
  return path
    .replace(/^\$\./, '')
    .split('.')
    .reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], event);
}

/**
 * EventBridge's input transformation: each `<name>` of the template becomes the value its path
 * selects. Inside a JSON string it is inserted as text; elsewhere as JSON (a string value quoted).
 */
export function transform(transformer: InputTransformer, event: object): string {
  const values = Object.fromEntries(
    Object.entries(transformer.InputPathsMap ?? {}).map(([name, path]) => [name, valueAt(event, path)]),
  );
  const template = transformer.InputTemplate ?? '';
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const char = template[i];
    if (char === '<') {
      const end = template.indexOf('>', i);
      const name = end > i ? template.slice(i + 1, end) : '';
      if (name in values) {
        const value = values[name];
        if (inString) {
          const raw = typeof value === 'string' ? value : JSON.stringify(value ?? null);
          out += JSON.stringify(raw).slice(1, -1);
        } else {
          out += JSON.stringify(value ?? null);
        }
        i = end;
        continue;
      }
    }
    if (char === '"' && template[i - 1] !== '\\') inString = !inString;
    out += char;
  }
  return out;
}
