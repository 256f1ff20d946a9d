import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config';
import { MODEL_MONITOR_PROBLEM_TYPES, ProblemType } from '../../constructs';
import { buildPlatformApp } from '../../lib/platform/app/synthesize';
import { ModelStack } from '../../lib/platform/stacks/model-stack';
import { configInput } from '../support/config-fixtures';
import { ALL_PINNED, deploymentsDir } from '../support/pins';

/**
 * A multiclass model gated on a metric Model Monitor does not compute (it has no macro averages)
 * still deploys and serves: only its quality goes unwatched, and the synth says so, naming the
 * metrics it could be gated on. Built, not synthesized: the construct tree says it all.
 */
const input: any = configInput();
const model = input.models.find((m: any) => (m.serving?.mode ?? 'endpoint') === 'endpoint');
model.problemType = ProblemType.MULTICLASS_CLASSIFICATION;
model.qualityGate = { metric: 'f1_macro', operator: '>=', threshold: 0.5 };
delete model.tuning; // its objective is a metric of the old problem type
const config = loadConfig(input, { deploymentsDir: deploymentsDir(ALL_PINNED) });
const { stages } = buildPlatformApp({ outdir: mkdtempSync(join(tmpdir(), 'mlenv-unwatchable-')), config });
const capturing = config.environments.filter(
  (e) => e.serving.kind === 'instance' && e.serving.dataCapturePercent > 0,
);

test('Model Monitor computes no f1_macro for multiclass models (the premise)', () => {
  expect(MODEL_MONITOR_PROBLEM_TYPES[ProblemType.MULTICLASS_CLASSIFICATION].metrics.f1_macro).toBeUndefined();
  expect(capturing.length).toBeGreaterThan(0);
});

test.each(capturing.map((e) => e.name))(
  '%s serves the model without a quality check, and warns naming the metrics it could watch',
  (envName) => {
    const stage = stages.find(
      (s) => s.node.id === config.environments.find((e) => e.name === envName)!.stageId,
    )!;
    const stack = stage.node.findChild(ModelStack.idOf(model.name)) as ModelStack;
    expect(stack.endpoint).toBeDefined();
    const paths = stack.node.findAll().map((c) => c.node.path);
    expect(paths.some((p) => p.includes('ModelQuality'))).toBe(false);
    const warnings = stack
      .endpoint!.node.metadata.filter((m) => m.type === 'aws:cdk:warning')
      .map((m) => String(m.data));
    const [warning] = warnings.filter((w) => w.includes('mlenv:qualityGateUnwatchable'));
    expect(warning).toContain("'f1_macro'");
    expect(warning).toContain('accuracy');
  },
);
