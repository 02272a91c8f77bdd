/**
 * DataError: bad input data, said so that a user can fix the file. Every message names the
 * file, the line (text formats) or row (Parquet, JSON arrays) when there is one, what is wrong,
 * and what to do about it.
 */

/** Where in a data file something is wrong. */
export interface DataLocation {
  file: string;
  /** 1-based line in a text file (CSV, TSV, JSON Lines, TweetEval files, plain text). */
  line?: number;
  /** 0-based row of a Parquet file or JSON array (rows have no lines). */
  row?: number;
}

export class DataError extends Error {
  readonly file: string;
  readonly line?: number;
  readonly row?: number;

  constructor(at: DataLocation, problem: string, fix?: string) {
    super(`${describeLocation(at)}: ${problem}${fix ? `; ${fix}` : ''}`);
    this.name = 'DataError';
    this.file = at.file;
    if (at.line !== undefined) this.line = at.line;
    if (at.row !== undefined) this.row = at.row;
  }
}

/** "file, line 3", "file, row 7" or "file". */
export function describeLocation(at: DataLocation): string {
  if (at.line !== undefined) return `${at.file}, line ${at.line}`;
  if (at.row !== undefined) return `${at.file}, row ${at.row}`;
  return at.file;
}

/** A value quoted for an error message, shortened so that a long text does not flood it. */
export function quote(value: unknown): string {
  if (typeof value !== 'string') return typeof value === 'bigint' ? `${value}` : JSON.stringify(value) ?? String(value);
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
}
