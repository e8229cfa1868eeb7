/**
 * Batches socket writes per event-loop turn: packets produced while handling input (acks,
 * deliveries to many subscribers) collect in each connection's outbox and leave in one
 * corked write per connection in a single setImmediate for the whole broker.
 *
 * Before any bytes leave, every instance store commits: an acknowledgement is only sent
 * once what it acknowledges is durable (group commit, one transaction per turn).
 */
export interface Flushable {
  /** True while queued for the next flush. */
  flushQueued: boolean;
  flush(): void;
}

export class WriteBatcher {
  private pending: Flushable[] = [];
  private scheduled = false;

  constructor(private readonly beforeFlush: () => void) {}

  schedule(target: Flushable): void {
    if (target.flushQueued) return;
    target.flushQueued = true;
    this.pending.push(target);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  }

  /** Flushes now (also used when a connection must write before closing). */
  readonly run = (): void => {
    this.scheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    try {
      this.beforeFlush();
    } catch (err) {
      // Without a commit nothing may be acknowledged: keep the batch for the next turn.
      console.error('broker store commit failed', err);
      for (const t of batch) this.pending.push(t);
      if (!this.scheduled) {
        this.scheduled = true;
        setTimeout(this.run, 100);
      }
      return;
    }
    for (const target of batch) {
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
