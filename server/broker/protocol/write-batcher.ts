/**
 * Batches socket writes per event-loop turn: packets produced while handling input (acks,
 * deliveries to many subscribers) collect in each connection's outbox and leave in one
 * corked write per connection in a single setImmediate for the whole broker.
 *
 * Batching pays only when a turn brings much input. While turns are short (the previous one
 * had at most `eagerReads` reads), the first reads of a turn flush at once: a lightly loaded
 * broker then answers each packet as soon as it is handled, as an unbatched broker would,
 * instead of after every other read of the turn. A busy broker's turns are long, and it
 * batches everything: extra writes would cost it CPU and buy nothing, except the reading
 * connection's own output, which leaves after its read (`flushOwn`): batching it would save
 * no write.
 *
 * A turn can be long: after a stall (the process was descheduled, a garbage collection) the
 * poll phase may hand over hundreds of ready sockets at once. So that the first of them do
 * not wait for the last, what is pending also leaves once it has waited `maxDelayMs`,
 * checked after each read (`afterRead`).
 *
 * Before any bytes leave, every instance store commits: an acknowledgement is only sent
 * once what it acknowledges is durable (group commit, one transaction per flush).
 */
import { performance } from 'node:perf_hooks';

export interface Flushable {
  /** True while queued for the next flush. */
  flushQueued: boolean;
  flush(): void;
}

/** A gap this long (ms) between turns means the broker was idle, whatever its last turn was. */
const IDLE_MS = 1;

/** After a failed commit, the next attempt waits this long. */
const RETRY_MS = 100;

export class WriteBatcher {
  private pending: Flushable[] = [];
  /** A setImmediate that will run() is on its way. */
  private immediatePending = false;
  /** Set after a failed commit: nothing is attempted before it fires. */
  private retryTimer: NodeJS.Timeout | null = null;
  /** When the oldest pending target was queued (performance.now() ms). */
  private since = 0;
  /** Reads seen since the last setImmediate ran: how far into the turn we are. */
  private readsThisTurn = 0;
  /** How many reads the previous turn had: a busy broker's turns are long, and then nothing is eager. */
  private readsLastTurn = 0;
  /** When that turn ended (performance.now() ms): a broker that has been idle since is not busy. */
  private lastTurnAt = 0;

  constructor(
    private readonly beforeFlush: () => void,
    /** beforeFlush has work to do (a store transaction): then nothing leaves outside the batch. */
    private readonly uncommitted: () => boolean = () => false,
    private readonly maxDelayMs = 0.25,
    private readonly eagerReads = 4,
  ) {}

  schedule(target: Flushable): void {
    if (target.flushQueued) return;
    target.flushQueued = true;
    if (this.pending.length === 0) this.since = performance.now();
    this.pending.push(target);
    if (!this.immediatePending && this.retryTimer === null) {
      this.immediatePending = true;
      setImmediate(this.onImmediate);
    }
  }

  /**
   * Called after each read (by the connection that read). Early in a short turn everything
   * pending leaves at once, in the order it was produced: a PUBLISH is routed before it is
   * acknowledged, so the subscribers' copies go out before the publisher's PUBACK. (Writing
   * the PUBACK first would make every delivery wait for it: on loopback that write also runs
   * the receiver's TCP input and wakes it, which may preempt the broker.) Later in a turn,
   * what is pending leaves once it has waited long enough; meanwhile the reader's own output
   * leaves now (see flushOwn).
   */
  afterRead(reader: Flushable): void {
    const reads = ++this.readsThisTurn;
    if (reads === 1 && this.readsLastTurn > this.eagerReads && performance.now() - this.lastTurnAt > IDLE_MS) this.readsLastTurn = 0;
    if (this.pending.length === 0) {
      // The count must restart with the next turn even when this one sends nothing.
      if (reads === 1 && !this.immediatePending) {
        this.immediatePending = true;
        setImmediate(this.onImmediate);
      }
      return;
    }
    if (this.retryTimer !== null) return;
    const eager = reads <= this.eagerReads && this.readsLastTurn <= this.eagerReads;
    if (eager || performance.now() - this.since >= this.maxDelayMs) this.run();
    else this.flushOwn(reader);
  }

  /**
   * In a busy turn, after a connection's read: what it has to send leaves now rather than
   * with the batch, unless that needs a commit (one transaction per read would cost more than
   * the wait). These are its answers to what it sent (acks, deliveries its acks made room
   * for), which the rest of the turn would not add to; in a fan-in, the subscriber's next
   * messages then leave as soon as its acknowledgements are read instead of after the turn.
   */
  private flushOwn(target: Flushable): void {
    if (!target.flushQueued || this.uncommitted()) return;
    target.flushQueued = false; // it stays in `pending`, where run() now skips it
    try {
      target.flush();
    } catch (err) {
      console.error('broker: flush failed', err); // as in run(): this connection's problem only
    }
  }

  private readonly onImmediate = (): void => {
    this.immediatePending = false;
    this.readsLastTurn = this.readsThisTurn;
    this.readsThisTurn = 0;
    this.lastTurnAt = performance.now();
    if (this.retryTimer === null) this.run();
  };

  private readonly onRetry = (): void => {
    this.retryTimer = null;
    this.run();
  };

  /** Flushes now (also used when a connection must write before closing). */
  readonly run = (): void => {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    try {
      this.beforeFlush();
    } catch (err) {
      // Without a commit nothing may be acknowledged: keep the batch for a later attempt.
      console.error('broker store commit failed', err);
      for (const t of batch) this.pending.push(t);
      this.retryTimer ??= setTimeout(this.onRetry, RETRY_MS);
      return;
    }
    for (const target of batch) {
      if (!target.flushQueued) continue; // flushed meanwhile by flushOwn, or listed twice since
      target.flushQueued = false;
      try {
        target.flush();
      } catch (err) {
        // One broken socket must not keep the others' bytes back.
        console.error('broker: flush failed', err);
      }
    }
  };
}
