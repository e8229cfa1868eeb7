/**
 * In-memory persistence: the reference implementation of the store contract. State survives
 * a Broker being closed and a new one opened on the same provider (what the restart tests
 * use), not a process exit; the SQLite implementation will give the same behaviour on disk.
 */
import { MemoryRetainedStore, type RetainedStore } from '../routing/retained';
import type {
  InstanceStore,
  PersistenceProvider,
  SessionStore,
  StoredOutgoing,
  StoredSession,
  StoredSessionMeta,
  StoredSubscription,
  StoredWill,
} from './types';

interface SessionRecord {
  meta: StoredSessionMeta;
  subscriptions: Map<string, StoredSubscription>;
  outgoing: Map<number, StoredOutgoing>;
  incomingQos2: Set<number>;
  will: StoredWill | null;
}

export class MemorySessionStore implements SessionStore {
  private readonly records = new Map<string, SessionRecord>();

  load(): StoredSession[] {
    return [...this.records.values()].map((r) => {
      const outgoing = [...r.outgoing.values()].sort((a, b) => a.seq - b.seq).map((o) => ({ ...o }));
      return {
        ...r.meta,
        subscriptions: [...r.subscriptions.values()].map((s) => ({ ...s })),
        outgoing,
        lastSeq: outgoing.at(-1)?.seq ?? 0,
        incomingQos2: [...r.incomingQos2],
        will: r.will ? copyWill(r.will) : null,
      };
    });
  }

  saveSession(meta: StoredSessionMeta): void {
    const record = this.records.get(meta.clientId);
    if (record) record.meta = { ...meta };
    else {
      this.records.set(meta.clientId, {
        meta: { ...meta },
        subscriptions: new Map(),
        outgoing: new Map(),
        incomingQos2: new Set(),
        will: null,
      });
    }
  }

  deleteSession(clientId: string): void {
    this.records.delete(clientId);
  }

  saveSubscription(clientId: string, sub: StoredSubscription): void {
    this.records.get(clientId)?.subscriptions.set(sub.filter, { ...sub });
  }

  deleteSubscription(clientId: string, filter: string): void {
    this.records.get(clientId)?.subscriptions.delete(filter);
  }

  saveOutgoing(clientId: string, entry: StoredOutgoing): void {
    this.records.get(clientId)?.outgoing.set(entry.seq, {
      ...entry,
      subscriptionIds: entry.subscriptionIds ? [...entry.subscriptionIds] : null,
    });
  }

  saveOutgoingState(clientId: string, entry: StoredOutgoing): void {
    const stored = this.records.get(clientId)?.outgoing.get(entry.seq);
    if (!stored) return;
    stored.packetId = entry.packetId;
    stored.released = entry.released;
  }

  deleteOutgoing(clientId: string, seq: number): void {
    this.records.get(clientId)?.outgoing.delete(seq);
  }

  saveIncomingQos2(clientId: string, packetId: number): void {
    this.records.get(clientId)?.incomingQos2.add(packetId);
  }

  deleteIncomingQos2(clientId: string, packetId: number): void {
    this.records.get(clientId)?.incomingQos2.delete(packetId);
  }

  saveWill(clientId: string, will: StoredWill | null): void {
    const record = this.records.get(clientId);
    if (record) record.will = will ? copyWill(will) : null;
  }
}

function copyWill(will: StoredWill): StoredWill {
  const m = will.message;
  return { at: will.at, message: { ...m, properties: m.properties ? { ...m.properties } : m.properties } };
}

class MemoryInstanceStore implements InstanceStore {
  readonly sessions = new MemorySessionStore();
  readonly retained: RetainedStore = new MemoryRetainedStore();
  readonly uncommitted = false;
  commit(): void {}
  close(): void {}
}

export class MemoryPersistence implements PersistenceProvider {
  private readonly stores = new Map<string, MemoryInstanceStore>();

  open(instanceId: string): InstanceStore {
    let store = this.stores.get(instanceId);
    if (!store) {
      store = new MemoryInstanceStore();
      this.stores.set(instanceId, store);
    }
    return store;
  }

  destroy(instanceId: string): void {
    this.stores.delete(instanceId);
  }
}
