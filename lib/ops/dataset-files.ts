/** A file of a dataset: its path in the dataset, its size and sha256, and how to read it. */
export interface DatasetFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  readonly body: () => Buffer | NodeJS.ReadableStream;
}

/** How much of a file is read to find its header row. */
const HEADER_BYTES = 64 * 1024;

/**
 * Why `files` cannot become a version of a dataset whose pipelines read every `*.csv` of it (in
 * subfolders too) with a header row holding `targetColumn`: no CSV file at all, or a CSV file
 * whose header lacks the column (it is named with the columns it has). Empty when they can.
 */
export async function datasetFileProblems(
  files: readonly DatasetFile[],
  targetColumn?: string,
): Promise<string[]> {
  const csvFiles = files.filter((f) => f.path.toLowerCase().endsWith('.csv'));
  if (csvFiles.length === 0) {
    return [
      `no .csv file among its ${files.length} file(s) (${files
        .slice(0, 3)
        .map((f) => f.path)
        .join(', ')}${files.length > 3 ? ', ...' : ''}): the pipelines read *.csv only`,
    ];
  }
  if (targetColumn === undefined) return [];
  const problems: string[] = [];
  for (const file of csvFiles) {
    const columns = (await headerRow(file)).split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (!columns.includes(targetColumn)) {
      problems.push(
        `${file.path} has no '${targetColumn}' column (its header: ${columns.join(', ').slice(0, 200) || 'empty'})`,
      );
    }
  }
  return problems;
}

/** The first line of `file`, without its line ending (and a byte-order mark). */
async function headerRow(file: DatasetFile): Promise<string> {
  const body = file.body();
  let head: Buffer;
  if (Buffer.isBuffer(body)) head = body.subarray(0, HEADER_BYTES);
  else {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body as AsyncIterable<Buffer | string>) {
      const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      chunks.push(data);
      size += data.length;
      if (size >= HEADER_BYTES || data.includes(0x0a)) break;
    }
    (body as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    head = Buffer.concat(chunks).subarray(0, HEADER_BYTES);
  }
  return head
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)[0];
}
