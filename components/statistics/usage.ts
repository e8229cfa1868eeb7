/** A figure against its spec limit: the original console warns from 70% of a limit. */
export const WARN_RATIO = 0.7;

export type UsageLevel = 'ok' | 'warn' | 'over';

export function usageLevel(value: number, limit: number): UsageLevel {
  if (!(limit > 0)) return 'ok';
  if (value >= limit) return 'over';
  return value >= limit * WARN_RATIO ? 'warn' : 'ok';
}
