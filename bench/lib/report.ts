/** Tables for the console (Markdown, so that they can be pasted into notes as they are). */

export function table(title: string, headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join(' | ')} |`;
  const sep = `|${widths.map((w, c) => (c === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [`### ${title}`, '', line(cells[0]), sep, ...cells.slice(1).map(line), ''].join('\n');
}

/** 12,345 / 1.23 / 0.0123: three significant figures, thousands separated. */
export function num(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 10 ** digits) return Math.round(v).toLocaleString('en-US');
  return Number(v.toPrecision(digits)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}

export function ratio(ours: number | null | undefined, other: number | null | undefined): string {
  if (ours === null || ours === undefined || other === null || other === undefined) return '–';
  if (!Number.isFinite(ours) || !Number.isFinite(other) || other === 0) return '–';
  return `${(ours / other).toFixed(2)}×`;
}

export function ratioValue(ours: number | null | undefined, other: number | null | undefined): number | null {
  if (ours === null || ours === undefined || other === null || other === undefined) return null;
  if (!Number.isFinite(ours) || !Number.isFinite(other) || other === 0) return null;
  return ours / other;
}
