/**
 * What every tabular reader returns: rows of named columns, and where each row is in its file,
 * so that a bad value can be reported as "file, line N" (text formats) or "file, row N" (Parquet).
 */
import { DataError, quote, type DataLocation } from './errors';

export interface Table {
  file: string;
  /** The columns the file has (CSV header, Parquet schema, keys seen in JSON). */
  columns: string[];
  rows: Array<Record<string, unknown>>;
  /** Where row `i` (0-based) is; `column` matters where columns live in separate files (TweetEval). */
  locate(i: number, column?: string): DataLocation;
}

/** Throws when a column the caller asked for is not in the table, listing the ones there are. */
export function requireColumns(table: Table, wanted: ReadonlyArray<[option: string, column: string]>): void {
  for (const [option, column] of wanted) {
    if (table.columns.includes(column)) continue;
    const have = table.columns.length ? table.columns.map((c) => quote(c)).join(', ') : 'none';
    throw new DataError({ file: table.file }, `no column ${quote(column)} (columns: ${have})`, `pass ${option} with one of them`);
  }
}

/** A row's text in `column`: a non-empty string (numbers are taken as their digits). */
export function textAt(table: Table, i: number, column: string): string {
  const value = table.rows[i][column];
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  const what = value === undefined ? `no ${quote(column)} field` : value === null || value === '' || typeof value === 'string' ? `empty text in column ${quote(column)}` : `column ${quote(column)} holds ${typeof value}, not text`;
  throw new DataError(table.locate(i, column), what, 'give every row a text, or drop the row');
}
