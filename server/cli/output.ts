/**
 * How the CLI prints: one JSON document with --json, otherwise aligned tables and
 * "label: value" blocks for people.
 */

export interface Output {
  json: boolean;
  /** Writes one line (a trailing newline is added) to stdout. */
  line(text?: string): void;
}

export function stdoutOutput(json: boolean): Output {
  return {
    json,
    line(text = '') {
      process.stdout.write(`${text}\n`);
    },
  };
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Columns separated by two spaces, each padded to its widest cell; the last is not padded. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [fmt(headers), ...rows.map(fmt)].join('\n');
}

/** "Label:  value" lines with the values aligned. */
export function formatFields(fields: [label: string, value: string][]): string {
  const width = Math.max(...fields.map(([l]) => l.length + 1));
  return fields.map(([l, v]) => `${`${l}:`.padEnd(width)}  ${v}`.trimEnd()).join('\n');
}

/** Epoch milliseconds as an ISO time in UTC, to the second. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function formatNumber(n: number): string {
  return n.toLocaleString('en-US');
}

export function orDash(text: string | null | undefined): string {
  return text === null || text === undefined || text === '' ? '-' : text;
}
