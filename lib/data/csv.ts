/**
 * CSV and TSV files with a header row, parsed by csv-parse (RFC 4180: quoted fields, "" inside
 * quotes, newlines inside quoted fields). datasets reads CSV with pandas.read_csv, which takes
 * the same files; like it, blank lines are skipped. Unlike it, a row with a different number of
 * fields is an error (pandas fills or fails depending on where it is), naming the line.
 */
import { parse, CsvError } from 'csv-parse/sync';
import { DataError, quote } from './errors';
import { readText } from './files';
import type { Table } from './table';

export interface CsvOptions {
  /** Field separator; default "," for .csv and a tab for .tsv. */
  delimiter?: string;
}

interface Parsed {
  record: Record<string, string>;
  info: { lines: number };
}

export async function readCsv(file: string, options: CsvOptions = {}): Promise<Table> {
  const delimiter = options.delimiter ?? (/\.tsv$/i.test(file) ? '\t' : ',');
  const text = await readText(file);
  let parsed: Parsed[];
  let header: string[] = [];
  try {
    parsed = parse(text, {
      columns: (names: string[]) => (header = checkHeader(file, names)),
      delimiter,
      info: true,
      skip_empty_lines: true,
      // pandas (datasets' CSV reader) takes CRLF and LF endings and a stray quote inside an
      // unquoted field as text; so does this.
      record_delimiter: ['\r\n', '\n'],
      relax_quotes: true,
    }) as unknown as Parsed[];
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw csvError(file, err);
  }
  if (parsed.length === 0) throw new DataError({ file }, 'the file has a header but no rows', 'check that it is the right file');
  // info.lines is the line a record ends on; a record starts after the previous one ends
  // (blank lines in between are skipped by the parser and counted here).
  const startLines = startLinesOf(text, parsed.map((p) => p.info.lines));
  return { file, columns: header, rows: parsed.map((p) => p.record), locate: (i) => ({ file, line: startLines[i] }) };
}

function checkHeader(file: string, names: string[]): string[] {
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (name === '') throw new DataError({ file, line: 1 }, `header field ${i + 1} is empty`, 'name every column in the first line');
    if (seen.has(name)) throw new DataError({ file, line: 1 }, `column ${quote(name)} appears twice in the header`, 'give each column its own name');
    seen.add(name);
  });
  return names;
}

/** The first line of each record, from the line each one ends on. */
function startLinesOf(text: string, endLines: number[]): number[] {
  const lines = text.split('\n');
  const blank = (n: number) => n <= lines.length && lines[n - 1].trim() === '';
  let previousEnd = 1; // the header
  return endLines.map((end) => {
    let start = previousEnd + 1;
    while (start < end && blank(start)) start++;
    previousEnd = end;
    return start;
  });
}

function csvError(file: string, err: unknown): DataError {
  if (!(err instanceof CsvError)) return new DataError({ file }, `cannot parse as CSV (${(err as Error).message})`, 'check the file');
  const line = (err as CsvError & { lines?: number }).lines;
  const counts = /columns length is (\d+), got (\d+)/.exec(err.message);
  if (counts) {
    return new DataError({ file, line }, `${counts[2]} fields where the header has ${counts[1]}`,
      'give every row as many fields as the header, and quote fields that contain the delimiter');
  }
  if (err.code === 'CSV_QUOTE_NOT_CLOSED') {
    return new DataError({ file, line }, 'the file ends inside a quoted field (a quote opened on an earlier line is never closed)', 'close the quoted field with "');
  }
  return new DataError({ file, line }, err.message.replace(/,? (on|at) line \d+/, ''), 'fix the CSV syntax');
}
