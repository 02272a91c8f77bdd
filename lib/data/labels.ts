/**
 * Class labels: the names of the classes, their ids, and turning the label written in a data
 * file (a name, or an id as a number or digits) into an id.
 *
 * Names come, in this order, from `labelNames`, a mapping file, or the data itself. From the
 * data, string labels become the distinct values sorted, which is what transformers'
 * run_glue.py does for a CSV or JSON data set (`label_list = raw_datasets["train"].unique("label");
 * label_list.sort()`) and what datasets' class_encode_column does. Integer labels are taken as
 * the class ids themselves (classes 0..max, named "0", "1", ...): run_glue would renumber
 * {1, 2, 5} to 0..2, and a validation split that lacks a class would then be numbered unlike
 * its train split. id2label / label2id have the shape of a transformers config's.
 */
import { DataError, quote, type DataLocation } from './errors';
import { readText } from './files';

export interface LabelSpace {
  /** Class names by id (transformers' config.id2label). */
  id2label: Record<number, string>;
  /** Ids by class name (transformers' config.label2id). */
  label2id: Record<string, number>;
  numLabels: number;
}

/** The space of `names` in id order; names must be distinct and non-empty. */
export function labelSpace(where: string, names: readonly string[]): LabelSpace {
  if (!Array.isArray(names) || names.length === 0) throw new TypeError(`${where}: labelNames must be a non-empty array of class names`);
  const id2label: Record<number, string> = {};
  const label2id: Record<string, number> = {};
  names.forEach((name, id) => {
    if (typeof name !== 'string' || name === '') throw new TypeError(`${where}: labelNames[${id}] must be a non-empty string, got ${quote(name)}`);
    if (name in label2id) throw new TypeError(`${where}: labelNames has ${quote(name)} twice (ids ${label2id[name]} and ${id}); names must be distinct`);
    id2label[id] = name;
    label2id[name] = id;
  });
  return { id2label, label2id, numLabels: names.length };
}

/** Names from an id2label-shaped object ({"0": "negative", ...}); ids must be 0..n-1. */
export function namesFromId2Label(where: string, id2label: Record<string | number, string>): string[] {
  const ids = Object.keys(id2label).map(Number).sort((a, b) => a - b);
  ids.forEach((id, i) => {
    if (id !== i) throw new TypeError(`${where}: label ids must be 0..${ids.length - 1} without gaps, found id ${Object.keys(id2label)[i]}`);
  });
  return ids.map((id) => id2label[id]);
}

/**
 * Reads a mapping file: JSON (a list of names, or {"0": "negative", ...}) or text, one class a
 * line as "id<TAB>name" (TweetEval's mapping.txt) or just "name" (the id is its position).
 */
export async function readMappingFile(file: string): Promise<string[]> {
  const text = await readText(file);
  if (file.toLowerCase().endsWith('.json')) return namesFromJson(file, text);
  const byId = new Map<number, { name: string; line: number }>();
  const lines = text.split('\n');
  let position = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line.trim() === '') continue;
    const m = /^\s*(\d+)[\t ]+(\S.*?)\s*$/.exec(line);
    const id = m ? Number(m[1]) : position;
    const name = m ? m[2] : line.trim();
    if (byId.has(id)) throw new DataError({ file, line: i + 1 }, `label id ${id} appears twice (also on line ${byId.get(id)!.line})`, 'give each id once');
    byId.set(id, { name, line: i + 1 });
    position++;
  }
  const names: string[] = [];
  for (let id = 0; id < byId.size; id++) {
    const entry = byId.get(id);
    if (!entry) throw new DataError({ file }, `label ids must be 0..${byId.size - 1}, but id ${id} is missing`, 'number the classes from 0 without gaps');
    names.push(entry.name);
  }
  return names;
}

function namesFromJson(file: string, text: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DataError({ file }, `malformed JSON (${(err as Error).message})`, 'fix the JSON');
  }
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string')) {
    try {
      return namesFromId2Label(file, value as Record<string, string>);
    } catch (err) {
      throw new DataError({ file }, (err as Error).message.replace(`${file}: `, ''), 'number the classes from 0 without gaps');
    }
  }
  throw new DataError({ file }, 'expected a list of class names or an object {"0": "name", ...}', 'write the mapping in one of those shapes');
}

/** An integer written as a number, a bigint (Parquet int64) or digits; undefined otherwise. */
export function asInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  return undefined;
}

/** Class names found in the data: 0..max for integer labels, else the distinct values sorted. */
export function namesFromData(values: readonly unknown[]): string[] {
  const ints = values.map(asInteger);
  if (ints.every((v) => v !== undefined)) {
    const max = Math.max(0, ...(ints as number[]));
    return Array.from({ length: max + 1 }, (_, i) => String(i));
  }
  return [...new Set(values.map((v) => String(v)))].sort();
}

/** Throws when a row has no label at all (a missing field, null, an empty string). */
export function requireLabel(value: unknown, at: DataLocation, column: string): void {
  if (value === null || value === undefined || (typeof value === 'string' && value.trim() === '')) {
    throw new DataError(at, `no label in column ${quote(column)}`, 'give every row a label');
  }
}

/** The id of one label value read from the data. */
export function encodeLabel(space: LabelSpace, value: unknown, at: DataLocation, column: string): number {
  requireLabel(value, at, column);
  // A name first: classes may be named "1", "2", ... (names taken from the data).
  const key = ['string', 'number', 'bigint', 'boolean'].includes(typeof value) ? String(value) : undefined;
  if (key !== undefined && Object.prototype.hasOwnProperty.call(space.label2id, key)) return space.label2id[key];
  if (typeof value === 'string' && Object.prototype.hasOwnProperty.call(space.label2id, value.trim())) return space.label2id[value.trim()];
  const id = asInteger(value);
  const known = Object.values(space.id2label);
  const listed = known.length > 12 ? `${known.slice(0, 12).join(', ')}, ...` : known.join(', ');
  if (id !== undefined && id >= 0 && id < space.numLabels) return id;
  const what = id !== undefined ? `label ${id} is outside the mapping (ids 0..${space.numLabels - 1}: ${listed})` : `label ${quote(value)} is not one of the classes (${listed})`;
  throw new DataError(at, what, 'fix the label, or pass labelNames / mappingFile listing every class');
}
