/** The columns a model's endpoint reads: its features in order (when known) and its target. */
export interface ModelColumns {
  /** The target (label) column: never sent to an endpoint. */
  readonly target: string;
  /** The features the served package was trained on, in its order (its `model-metadata.json`). */
  readonly features?: readonly string[];
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * CSV rows as a model's endpoint reads them: one request per row, its features only, in the
 * model's order. A header line is optional: it is recognized by naming the target or the features,
 * or by holding no number at all, and then selects the columns by name. Without a header, rows are
 * taken as features in order. Rows that cannot be what the model reads are refused in one line
 * naming `source`, rather than sent to come back as 4xx answers.
 */
export function endpointRows(csv: string, columns: ModelColumns, source: string): string[] {
  const lines = csv.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines.length === 0) throw new Error(`${source} has no rows`);
  const fields = (line: string) => csvFields(line).map((value) => value.trim());
  const first = fields(lines[0]);
  const header =
    first.includes(columns.target) ||
    (columns.features !== undefined && columns.features.every((f) => first.includes(f))) ||
    first.every((value) => !NUMBER.test(value));
  if (!header) return checkedWidth(lines, columns, source);
  const rows = lines.slice(1);
  if (rows.length === 0) throw new Error(`${source} has a header and no rows`);
  const wanted = columns.features ?? first.filter((name) => name !== columns.target);
  const missing = wanted.filter((name) => !first.includes(name));
  if (missing.length > 0) {
    throw new Error(
      `the header of ${source} (${first.join(', ')}) lacks ${missing.join(', ')}: the served model reads ${wanted.join(', ')}`,
    );
  }
  const at = wanted.map((name) => first.indexOf(name));
  return rows.map((line, i) => {
    const values = fields(line);
    if (values.length !== first.length) {
      throw new Error(`${source} line ${i + 2}: ${values.length} values under a header of ${first.length}`);
    }
    return at.map((index) => csvField(values[index])).join(',');
  });
}

/** The fields of a CSV line as RFC 4180 reads them: a field may be quoted, `""` is a quote in one. */
export function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') field += line[++i];
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

/** A value as a CSV field: quoted only when it has to be. */
const csvField = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/** Rows without a header: features in order, as many as the model reads when that is known. */
function checkedWidth(lines: string[], columns: ModelColumns, source: string): string[] {
  const expected = columns.features?.length;
  if (expected !== undefined) {
    const wrong = lines.findIndex((line) => csvFields(line).length !== expected);
    if (wrong >= 0) {
      throw new Error(
        `${source} line ${wrong + 1}: ${csvFields(lines[wrong]).length} values, but the served model reads ${expected} features (${columns.features!.join(', ')}); give them in that order, or add a header line naming them`,
      );
    }
  }
  return lines;
}
