/** Next.js search params → the first value of each (shared by the trace pages' server components). */
export type RawSearchParams = Record<string, string | string[] | undefined>;

export function firstValues(raw: RawSearchParams): Partial<Record<string, string>> {
  const out: Partial<Record<string, string>> = {};
  for (const [key, value] of Object.entries(raw)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[key] = first;
  }
  return out;
}
