/**
 * Message TPS per instance (messages in + messages out per second, the product's "max message
 * TPS"). Every accepted message and every PUBLISH written to a subscriber counts against the
 * current second's budget. Once it is used up, a connection about to hand over a PUBLISH is
 * parked: its input is paused (the packet is kept, not lost, not refused) until the next
 * second, when one instance-level timer resumes every parked connection. The publisher feels
 * it as TCP backpressure; its QoS 1/2 messages are acknowledged when they are really taken.
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

export class TpsGate {
  /** The second (epoch s) `used` belongs to. */
  private second = 0;
  private used = 0;
  private parked: Throttled[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly host: TpsHost) {}

  /** Counts messages (in or out) against this second's budget. */
  count(n = 1): void {
    if (this.host.settings.maxTps === 0) return;
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.second) {
      this.second = second;
      this.used = 0;
    }
    this.used += n;
  }

  /** True while this second's budget is used up. */
  exhausted(): boolean {
    const limit = this.host.settings.maxTps;
    if (limit === 0 || this.used < limit) return false;
    return Math.floor(Date.now() / 1000) === this.second;
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
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.parked = [];
  }
}
