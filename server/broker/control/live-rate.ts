/**
 * The instance's current message TPS (messages in + out per second, as the maxTps limit counts
 * them) for the console's live counters: measured between two `stats` calls at least a second
 * apart (several console tabs polling share the measurement), so it needs no timer and costs
 * nothing between calls. The first call answers null: nothing measured yet.
 */
import type { BrokerInstance } from '../instance';

const MIN_WINDOW_MS = 1000;

interface Mark {
  at: number;
  total: number;
  rate: number | null;
}

const marks = new WeakMap<BrokerInstance, Mark>();

export function liveTps(instance: BrokerInstance, now = Date.now()): number | null {
  const total = instance.stats.received + instance.stats.sent;
  const mark = marks.get(instance);
  if (!mark) {
    marks.set(instance, { at: now, total, rate: null });
    return null;
  }
  if (now - mark.at >= MIN_WINDOW_MS) {
    mark.rate = Math.max(0, ((total - mark.total) * 1000) / (now - mark.at));
    mark.at = now;
    mark.total = total;
  }
  return mark.rate;
}
