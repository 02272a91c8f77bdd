/**
 * JSON Lines (one object a line, datasets' "json" loader's usual input) and, for a file that
 * starts with "[", a JSON array of objects. Blank lines are skipped; a line that is not a JSON
 * object is an error naming the line and what the parser saw.
 */
import { DataError } from './errors';
import { readText } from './files';
import type { Table } from './table';

export async function readJsonLines(file: string): Promise<Table> {
  const text = await readText(file);
  if (text.trimStart().startsWith('[')) return readJsonArray(file, text);
  const rows: Array<Record<string, unknown>> = [];
  const lines: number[] = [];
  const columns = new Set<string>();
  const parts = text.split('\n');
  for (let i = 0; i < parts.length; i++) {
    const raw = parts[i];
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new DataError({ file, line: i + 1 }, `not valid JSON (${(err as Error).message})`, 'write one complete JSON object per line');
    }
    rows.push(asObject(value, { file, line: i + 1 }));
    lines.push(i + 1);
    for (const key of Object.keys(value as object)) columns.add(key);
  }
  return { file, columns: [...columns], rows, locate: (i) => ({ file, line: lines[i] }) };
}

function readJsonArray(file: string, text: string): Table {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DataError({ file }, `not valid JSON (${(err as Error).message})`, 'fix the JSON array, or write JSON Lines (one object per line)');
  }
  if (!Array.isArray(value) || value.length === 0) throw new DataError({ file }, 'the JSON array is empty', 'check that it is the right file');
  const rows = value.map((v, row) => asObject(v, { file, row }));
  const columns = new Set<string>();
  for (const r of rows) for (const key of Object.keys(r)) columns.add(key);
  return { file, columns: [...columns], rows, locate: (row) => ({ file, row }) };
}

function asObject(value: unknown, at: { file: string; line?: number; row?: number }): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw new DataError(at, `expected a JSON object with named fields, got ${kind}`, 'write each example as {"text": ..., "label": ...}');
  }
  return value as Record<string, unknown>;
}
