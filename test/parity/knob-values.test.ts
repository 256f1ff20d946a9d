import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { platformConfig } from '../../config';
import type { MlEnvironmentStage } from '../../lib/platform/stages/ml-environment-stage';
import { isReference, parity } from './parity-fixtures';

/** The retention periods CloudWatch Logs accepts, in days. */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** Every construct of the stage's stacks that `is` accepts. */
function all<T extends IConstruct>(stage: MlEnvironmentStage, is: (c: IConstruct) => c is T): T[] {
  return stage.node.findAll().filter(is);
}

describe('a knob explains a difference only with the value its effect gives', () => {
  test('fails on a reference-only alarm threshold or log retention, although knobs set other thresholds and retentions', () => {
    const config = platformConfig();
    const changed: string[] = [];
    const result = parity({
      explain: false,
      change: (stage) => {
        if (!isReference(stage, config)) return;
        // Pipeline alarms have no knob; the endpoint alarms' knobs must not explain them.
        for (const alarm of all(stage, (c): c is cloudwatch.CfnAlarm => c instanceof cloudwatch.CfnAlarm)) {
          if (!alarm.node.path.includes('PipelineAlarms/')) continue;
          alarm.addPropertyOverride('Threshold', 7);
          changed.push(`${alarm.node.path} Threshold`);
        }
        // Log retention has a knob, but 1 day is not the reference's knob value.
        for (const group of all(stage, (c): c is logs.CfnLogGroup => c instanceof logs.CfnLogGroup)) {
          group.addPropertyOverride('RetentionInDays', 1);
          changed.push(`${group.node.path} RetentionInDays`);
        }
      },
    });
    expect(changed.length).toBeGreaterThan(1);
    const stagePath = (p: string) =>
      p
        .split('/')
        .slice(1)
        .join('/')
        .replace(/\/Resource /, ' ');
    expect(
      result.violations.map((v) => `${v.constructPath} ${v.path.replace(/^Properties\./, '')}`).sort(),
    ).toEqual(changed.map(stagePath).sort());
    for (const v of result.violations) {
      expect(v.environment).toBe(config.reference);
      expect(v.actual).toBe(v.path.endsWith('RetentionInDays') ? 1 : 7);
    }
  });

  test('fails when environments follow the knob but not its value', () => {
    const config = platformConfig();
    // Every environment's retention one step longer than its knob: equal knobs still mean equal
    // values, yet no value is the knob's.
    const longer = (days: number) => RETENTION_DAYS.find((d) => d > days) ?? days;
    const result = parity({
      explain: false,
      change: (stage) => {
        for (const group of all(stage, (c): c is logs.CfnLogGroup => c instanceof logs.CfnLogGroup)) {
          group.addPropertyOverride('RetentionInDays', longer(stage.environment.logRetentionDays));
        }
      },
    });
    expect(result.violations.length).toBeGreaterThan(0);
    expect(result.violations.every((v) => v.path === 'Properties.RetentionInDays')).toBe(true);
    // Every environment that has a log group is not its rendering.
    expect(new Set(result.violations.map((v) => v.environment)).size).toBe(config.environments.length);
  });
});
