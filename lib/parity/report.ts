import { EXISTS, NO_RESOURCE, type ParityResult } from './compare';

/** Longer values are cut in the table and shown in full in the details below it. */
const MAX_CELL = 36;

/**
 * The parity result as a table a person can read at a glance. A value too long for its cell is
 * cut and marked `[n]`; the details after the table show each such row's values in full, so two
 * values that look alike in the table can be told apart.
 */
export function formatParityReport(result: ParityResult): string {
  const { environments, reference, resourceCounts, differences, violations } = result;
  const counts = environments.map((e) => resourceCounts[e]);
  const countText = counts.every((c) => c === counts[0])
    ? `${counts[0]} resources each`
    : `resources: ${environments.map((e) => `${e} ${resourceCounts[e]}`).join(', ')}`;
  const lines = [`parity: ${environments.join(', ')} against ${reference} (${countText})`];

  const details: string[] = [];
  if (differences.length > 0) {
    const header = ['resource / property', ...environments, 'knob'];
    let marks = 0;
    const rows = differences.map((d) => {
      const name = `${d.constructPath} ${d.path.replace(/^Properties\./, '')}`;
      const texts = environments.map((e) => text(d.values[e], d.path));
      const knob = d.knob ?? 'UNDECLARED';
      if (texts.every((t) => t.length <= MAX_CELL)) return [name, ...texts, knob];
      const mark = ` [${++marks}]`;
      const width = Math.max(...environments.map((e) => e.length));
      details.push(
        `[${marks}] ${name}`,
        ...environments.map((e, i) => `    ${e.padEnd(width)}  ${texts[i]}`),
      );
      const cut = (t: string) =>
        t.length > MAX_CELL ? `${t.slice(0, MAX_CELL - mark.length - 3)}...${mark}` : t;
      return [name, ...texts.map(cut), knob];
    });
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r: string[]) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd();
    lines.push(line(header), ...rows.map(line));
  }
  const summary =
    `${violations.length} undeclared difference${violations.length === 1 ? '' : 's'}` +
    (differences.length > violations.length
      ? `, ${differences.length - violations.length} explained by knobs`
      : '');
  if (details.length > 0) lines.push('', 'values in full:', ...details, '');
  lines.push(summary);
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

/** A value as the report shows it, in full. */
function text(value: unknown, path: string): string {
  if (value === undefined) return '-';
  if (path === EXISTS || value === NO_RESOURCE) return String(value);
  return typeof value === 'string' ? value : JSON.stringify(value);
}
