import { EXISTS, NO_RESOURCE, type ParityResult } from './compare';

const MAX_CELL = 36;

/** The parity result as a table a person can read at a glance. */
export function formatParityReport(result: ParityResult): string {
  const { environments, reference, resourceCounts, differences, violations } = result;
  const counts = environments.map((e) => resourceCounts[e]);
  const countText = counts.every((c) => c === counts[0])
    ? `${counts[0]} resources each`
    : `resources: ${environments.map((e) => `${e} ${resourceCounts[e]}`).join(', ')}`;
  const lines = [`parity: ${environments.join(', ')} against ${reference} (${countText})`];

  if (differences.length > 0) {
    const header = ['resource / property', ...environments, 'knob'];
    const rows = differences.map((d) => [
      `${d.constructPath} ${d.path.replace(/^Properties\./, '')}`,
      ...environments.map((e) => cell(d.values[e], d.path)),
      d.knob ?? 'UNDECLARED',
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r: string[]) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd();
    lines.push(line(header), ...rows.map(line));
  }
  lines.push(
    `${violations.length} undeclared difference${violations.length === 1 ? '' : 's'}` +
      (differences.length > violations.length
        ? `, ${differences.length - violations.length} explained by knobs`
        : ''),
  );
  return lines.join('\n');
}

/** The parity result as JSON, for machines. */
export function parityJson(result: ParityResult): string {
  return JSON.stringify(
    {
      ok: result.violations.length === 0,
      reference: result.reference,
      environments: result.environments,
      resourceCounts: result.resourceCounts,
      undeclared: result.violations.length,
      differences: result.differences.map((d) => ({
        ...d,
        values: Object.fromEntries(result.environments.map((e) => [e, d.values[e] ?? null])),
        knob: d.knob ?? null,
      })),
    },
    null,
    2,
  );
}

function cell(value: unknown, path: string): string {
  if (value === undefined) return '-';
  if (path === EXISTS || value === NO_RESOURCE) return String(value);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 3)}...` : text;
}
