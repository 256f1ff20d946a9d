import { EXISTS, NO_RESOURCE, type ParityResult, type ParityViolation } from './compare';

/** Longer values are cut in the table and shown in full in the details below it. */
const MAX_CELL = 36;

/**
 * The parity result as a table a person can read at a glance: how the environments differ, and
 * the knobs that make them; then each place where an environment is not the reference rendered
 * with its knob values. A value too long for its cell is cut and marked `[n]`; the details after
 * the table show each such row's values in full, so two values that look alike can be told apart.
 */
export function formatParityReport(result: ParityResult, options: { table?: boolean } = {}): string {
  const { environments, reference, resourceCounts, violations, renderSeconds } = result;
  const differences = options.table === false ? [] : result.differences;
  const counts = environments.map((e) => resourceCounts[e]);
  const countText = counts.every((c) => c === counts[0])
    ? `${counts[0]} resources each`
    : `resources: ${environments.map((e) => `${e} ${resourceCounts[e]}`).join(', ')}`;
  const lines = [
    `parity: ${environments.join(', ')} against ${reference} (${countText})`,
    `each compared with ${reference} rendered with its knob values (seconds to render: ${environments
      .map((e) => `${e} ${renderSeconds[e].toFixed(2)}`)
      .join(', ')})`,
  ];
  if (result.attribution) {
    const { renderings, seconds } = result.attribution;
    lines.push(
      `differences attributed to knob groups by ${renderings} more rendering${renderings === 1 ? '' : 's'} of ${reference}, one group changed at a time (${seconds.toFixed(2)} s)`,
    );
  }

  const details: string[] = [];
  if (differences.length > 0) {
    const header = ['resource / property', ...environments, 'knob'];
    let marks = 0;
    const rows = differences.map((d) => {
      const name = `${d.constructPath} ${d.path.replace(/^Properties\./, '')}`;
      const texts = environments.map((e) => text(d.values[e], d.path));
      const knob = d.undeclared ? 'UNDECLARED' : (d.knob ?? '-');
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
  const explained = result.differences.filter((d) => !d.undeclared).length;
  const summary =
    `${violations.length} undeclared difference${violations.length === 1 ? '' : 's'}` +
    (explained === 0
      ? ''
      : result.attribution
        ? `, ${explained} explained by knobs`
        : `, ${explained} following from knob values (npm run parity attributes them to knobs)`);
  if (details.length > 0) lines.push('', 'values in full:', ...details);
  if (violations.length > 0) {
    lines.push('', `undeclared: where an environment is not ${reference} rendered with its knob values`);
    lines.push(...violations.flatMap((v) => violationLines(v, reference)));
  }
  if (details.length > 0 || violations.length > 0) lines.push('');
  lines.push(summary);
  return lines.join('\n');
}

/** One violation: environment, stack, resource and property, then both values in full. */
function violationLines(v: ParityViolation, reference: string): string[] {
  const rendered = `${reference} rendered with ${v.environment}'s knobs`;
  const width = Math.max(v.environment.length, rendered.length);
  return [
    `${v.environment}: stack ${v.stack}, ${v.constructPath} (${v.logicalId}, ${v.resourceType}) ${v.path.replace(/^Properties\./, '')}`,
    `    ${v.environment.padEnd(width)}  ${text(v.actual, v.path)}`,
    `    ${rendered.padEnd(width)}  ${text(v.rendered, v.path)}`,
  ];
}

/** The parity result as JSON, for machines. */
export function parityJson(result: ParityResult): string {
  return JSON.stringify(
    {
      ok: result.violations.length === 0,
      reference: result.reference,
      environments: result.environments,
      resourceCounts: result.resourceCounts,
      renderSeconds: result.renderSeconds,
      ...(result.attribution ? { attribution: result.attribution } : {}),
      undeclared: result.violations.length,
      violations: result.violations.map((v) => ({
        ...v,
        actual: v.actual ?? null,
        rendered: v.rendered ?? null,
      })),
      differences: result.differences.map((d) => ({
        ...d,
        values: Object.fromEntries(result.environments.map((e) => [e, d.values[e] ?? null])),
        knob: d.undeclared ? null : (d.knob ?? null),
        undeclared: d.undeclared === true,
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
