/**
 * The broker: a set of instances, their listeners, and the machinery they share (the timer
 * wheel for every deadline, the per-turn write batcher, the persistence provider).
 *
 *   const broker = new Broker();
 *   const { port } = await broker.listen({ port: 0, host: '127.0.0.1', instanceId: 'a' });
 *   ...
 *   await broker.close();
 */
import type net from 'node:net';
import { BrokerInstance, type InstanceOptions } from './instance';
import { TcpListener, type ListenOptions } from './listeners/tcp';
import { WriteBatcher } from './protocol/write-batcher';
import type { InstanceSettings } from './settings';
import { MemoryPersistence } from './store/memory';
import type { InstanceStore, PersistenceProvider } from './store/types';
import { TimerWheel } from './timer-wheel';

export interface BrokerOptions {
  /** Where sessions and retained messages persist; in memory by default. */
  persistence?: PersistenceProvider;
  /** Settings for instances created without their own. */
  defaults?: Partial<InstanceSettings>;
}

export interface BrokerListenOptions extends ListenOptions {
  /** The instance the listener serves; created with default settings if new. Default 'default'. */
  instanceId?: string;
}

interface InstanceEntry {
  instance: BrokerInstance;
  store: InstanceStore;
  listeners: TcpListener[];
}

export class Broker {
  readonly wheel = new TimerWheel();
  readonly batcher: WriteBatcher;
  private readonly persistence: PersistenceProvider;
  private readonly entries = new Map<string, InstanceEntry>();
  private closed = false;

  constructor(private readonly options: BrokerOptions = {}) {
    this.persistence = options.persistence ?? new MemoryPersistence();
    this.batcher = new WriteBatcher(() => {
      for (const e of this.entries.values()) e.instance.commit();
    });
    this.wheel.start();
  }

  /** Creates the instance or changes its settings/policy. */
  addInstance(id: string, options: InstanceOptions = {}): BrokerInstance {
    const existing = this.entries.get(id);
    if (existing) {
      existing.instance.configure(options);
      return existing.instance;
    }
    const store = this.persistence.open(id);
    const settings = { ...this.options.defaults, ...options.settings };
    const instance = new BrokerInstance(id, store, this.wheel, this.batcher, { ...options, settings });
    this.entries.set(id, { instance, store, listeners: [] });
    return instance;
  }

  instance(id: string): BrokerInstance | undefined {
    return this.entries.get(id)?.instance;
  }

  get instanceIds(): string[] {
    return [...this.entries.keys()];
  }

  async listen(options: BrokerListenOptions): Promise<net.AddressInfo> {
    if (this.closed) throw new Error('broker is closed');
    const id = options.instanceId ?? 'default';
    const instance = this.instance(id) ?? this.addInstance(id);
    const listener = new TcpListener(instance);
    const address = await listener.listen(options);
    this.entries.get(id)!.listeners.push(listener);
    return address;
  }

  /** Stops an instance: listeners closed, clients disconnected; with `destroy`, its stored data deleted too. */
  async removeInstance(id: string, { destroy = false } = {}): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    await this.shutdown(entry);
    if (destroy) this.persistence.destroy(id);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((e) => this.shutdown(e)));
    this.wheel.stop();
  }

  private async shutdown(entry: InstanceEntry): Promise<void> {
    const closing = Promise.all(entry.listeners.map((l) => l.close()));
    entry.instance.close();
    // Flush the DISCONNECTs (and the store) now, then wait until the sockets are gone.
    entry.instance.commit();
    this.batcher.run();
    await waitForConnections(entry.instance);
    await closing;
    entry.store.commit();
    entry.store.close();
  }
}

/** Resolves when every connection of the instance has closed (destroying stragglers after 2 s). */
async function waitForConnections(instance: BrokerInstance): Promise<void> {
  const deadline = Date.now() + 2000;
  while (instance.connections.size > 0) {
    if (Date.now() > deadline) {
      for (const c of instance.connections) c.destroy();
    }
    await new Promise((r) => setTimeout(r, 10));
    if (Date.now() > deadline + 1000) break;
  }
}
