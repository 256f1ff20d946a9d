import type { SmokeResult } from '../ops/endpoint-smoke';

/** A few lines saying how a smoke test went. */
export function formatSmokeResult(
  result: SmokeResult & {
    model: string;
    endpointName?: string;
    url?: string;
    captured?: readonly string[];
    shift?: number;
  },
): string {
  const lines = [
    `smoke ${result.model}: ${result.answered}/${result.sent} requests answered with a prediction${result.shift ? ` (features x${result.shift})` : ''}, median ${result.medianLatencyMs.toFixed(1)} ms; a malformed request got ${result.malformedStatus}`,
    `  example   ${result.example.request.slice(0, 60)}... -> ${JSON.stringify(result.example.response)}`,
  ];
  if (result.endpointName) {
    // Where the requests went: SageMaker Runtime's InvokeEndpoint (at the local environment's URL).
    lines.push(`  endpoint  ${result.endpointName} (InvokeEndpoint${result.url ? ` at ${result.url}` : ''})`);
  }
  if (result.captured) {
    lines.push(
      `  captured  ${result.captured.length} file(s) under ${result.captured[0]?.replace(/[^/]+$/, '') ?? '(no capture)'}`,
    );
  }
  for (const failure of result.failures.slice(0, 5)) lines.push(`  ✗ ${failure}`);
  return lines.join('\n');
}
