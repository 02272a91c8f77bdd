// Printing helpers of the commands: aligned name/value rows and tables on stdout.

/** "name   value" lines, names padded to one column. */
export function printRows(rows: [string, string][], write: (line: string) => void = console.log): void {
  const width = Math.max(0, ...rows.map(([k]) => k.length));
  for (const [k, v] of rows) write(`${k.padEnd(width)}  ${v}`);
}

/** A table with a header row; columns padded to their widest cell. */
export function printTable(head: string[], rows: string[][], write: (line: string) => void = console.log): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  write(line(head));
  write(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) write(line(r));
}
