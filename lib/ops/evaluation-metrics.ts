import type { ObjectStore } from './object-store';

/**
 * The scalar metrics of an evaluation report (`evaluation.json`, SageMaker's model-quality
 * shape: `<problem type>_metrics.<name>.value`); empty when it cannot be read.
 */
export async function readEvaluationMetrics(
  store: Pick<ObjectStore, 'get'>,
  uri: string,
): Promise<Record<string, number>> {
  try {
    const report = JSON.parse((await store.get(uri)).toString('utf8')) as Record<
      string,
      Record<string, { value?: unknown }>
    >;
    const metrics = Object.entries(report).find(([key]) => key.endsWith('_metrics'))?.[1] ?? {};
    // Scalar metrics only (a confusion matrix has no single value).
    return Object.fromEntries(
      Object.entries(metrics).flatMap(([metric, m]) =>
        typeof m?.value === 'number' ? [[metric, m.value]] : [],
      ),
    );
  } catch {
    return {};
  }
}
