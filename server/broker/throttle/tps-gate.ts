/**
 * Message TPS per instance (messages in + messages out per second, the product's "max message
 * TPS"). Every accepted message and every PUBLISH written to a subscriber counts against the
 * current second's budget. Once it is used up, a connection about to hand over a PUBLISH is
 * parked: its input is paused (the packet is kept, not lost, not refused) until the next
 * second, when one instance-level timer resumes every parked connection. The publisher feels
 * it as TCP backpressure; its QoS 1/2 messages are acknowledged when they are really taken.
 *
 * Deliveries of a message already accepted are never held back, so a fan-out can use more
 * than a second's budget. What it overshoots is carried over as debt into the following
 * second(s): they start with it already used, so inbound publishers wait until the average
 * (in + out) is back at maxTps. Debt is capped at MAX_DEBT_SECONDS budgets, so one enormous
 * fan-out cannot stall an instance's publishers for minutes.
 *
 * Cost: nothing per connection (no timer, no closure); one timer per instance, armed only
 * while something is parked. With no limit (maxTps 0) counting is a single comparison.
 */
import type { InstanceStats } from '../session/host';
import type { InstanceSettings } from '../settings';

/** A connection whose input waits for the next second's budget. */
export interface Throttled {
  resumeThrottled(): void;
}

export interface TpsHost {
  readonly settings: InstanceSettings;
  readonly stats: InstanceStats;
}

/** At most this many seconds' budgets are carried over as debt. */
export const MAX_DEBT_SECONDS = 10;

export class TpsGate {
  /** The second (epoch s) `used` belongs to. */
  private second = 0;
  private used = 0;
  private parked: Throttled[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly host: TpsHost) {}

  /** Counts messages (in or out) against this second's budget. */
  count(n = 1): void {
    const limit = this.host.settings.maxTps;
    if (limit === 0) return;
    this.roll(limit);
    this.used += n;
  }

  /** True while this second's budget (less the debt carried into it) is used up. */
  exhausted(): boolean {
    const limit = this.host.settings.maxTps;
    if (limit === 0 || this.used < limit) return false; // `used` only shrinks when seconds pass
    this.roll(limit);
    return this.used >= limit;
  }

  /** A new second: each second that passed pays one budget off what was used beyond the budgets. */
  private roll(limit: number): void {
    const second = Math.floor(Date.now() / 1000);
    if (second === this.second) return;
    const passed = second - this.second;
    this.second = second;
    this.used = this.used > limit * passed ? Math.min(this.used - limit * passed, limit * MAX_DEBT_SECONDS) : 0;
  }

  /** Pauses a connection until the next second (counted as one throttling event). */
  park(conn: Throttled): void {
    this.parked.push(conn);
    this.host.stats.throttled++;
    if (this.timer === null) this.timer = setTimeout(this.release, 1000 - (Date.now() % 1000) + 1);
  }

  /** The next second: every parked connection goes on, in the order it was parked. */
  private readonly release = (): void => {
    this.timer = null;
    const parked = this.parked;
    this.parked = [];
    for (const conn of parked) {
      try {
        conn.resumeThrottled();
      } catch (err) {
        console.error('broker: resuming a throttled connection failed', err);
      }
    }
  };

  close(): void {
    this.used = 0;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.parked = [];
  }
}
