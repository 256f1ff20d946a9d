/**
 * A command that starts a model's serving stand-in as `mlenv local serve` does, for the interrupt
 * test (serve-interrupt.test.ts) to stop while it starts. The stand-in's `python` is a fake one
 * that never answers: it runs the stand-in's command line (so it is recognised as one), starts a
 * child that sleeps, writes both pids to <pids file>, and waits.
 *
 * Usage: node --import tsx interrupted-serve.ts <state dir> <model> <fake python> <pids file>
 */
import { startServer } from '../../lib/local/serving-process';

async function main(): Promise<void> {
  const [stateDir, model, python, pidsFile] = process.argv.slice(2);
  await startServer({
    stateDir,
    model,
    modelDir: stateDir,
    endpointName: `interrupt-test-${model}`,
    variantName: 'AllTraffic',
    modelPackageArn: `arn:aws:sagemaker:us-east-1:123456789012:model-package/${model}/1`,
    modelDataUrl: `s3://models/${model}/model.tar.gz`,
    environment: { PIDS_FILE: pidsFile },
    python,
    startTimeoutMs: 300_000,
  });
  console.log('the stand-in answered');
}

void main();
