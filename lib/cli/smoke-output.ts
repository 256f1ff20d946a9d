import type { LocalSmokeResult } from '../local/local-smoke';

/** A few lines saying how a smoke test went. */
export function formatSmokeResult(result: LocalSmokeResult): string {
  const lines = [
    `smoke ${result.model}: ${result.answered}/${result.sent} requests answered with a prediction${result.shift ? ` (features x${result.shift})` : ''}, median ${result.medianLatencyMs.toFixed(1)} ms; a malformed request got ${result.malformedStatus}`,
    `  example   ${result.example.request.slice(0, 60)}... -> ${JSON.stringify(result.example.response)}`,
    `  captured  ${result.captured.length} file(s) under ${result.captured[0]?.replace(/[^/]+$/, '') ?? '(no capture)'}`,
  ];
  for (const failure of result.failures.slice(0, 5)) lines.push(`  ✗ ${failure}`);
  return lines.join('\n');
}
