/**
 * The broker: a set of instances, their listeners, and the machinery they share (the timer
 * wheel for every deadline, the per-turn write batcher, the persistence provider).
 *
 *   const broker = new Broker();
 *   const { port } = await broker.listen({ port: 0, host: '127.0.0.1', instanceId: 'a' });
 *   await broker.listen({ instanceId: 'a', kind: 'wss', port: 8443, tls: { key, cert } });
 *   ...
 *   await broker.closeListener('a', 'wss');
 *   await broker.close();
 */
import type net from 'node:net';
import { BrokerInstance, type InstanceOptions } from './instance';
import { TcpListener } from './listeners/tcp';
import { TlsListener } from './listeners/tls';
import type { Listener, ListenerKind, ListenOptions, TlsCredentials } from './listeners/types';
import { WebSocketListener, type HttpRequestHandler } from './listeners/websocket';
import { WriteBatcher } from './protocol/write-batcher';
import type { InstanceSettings } from './settings';
import { MemoryPersistence } from './store/memory';
import type { InstanceStore, PersistenceProvider } from './store/types';
import { TimerWheel } from './timer-wheel';
import type { TraceRecorder } from '../telemetry/kinds';

export interface BrokerOptions {
  /** Where sessions and retained messages persist; in memory by default. */
  persistence?: PersistenceProvider;
  /** Settings for instances created without their own. */
  defaults?: Partial<InstanceSettings>;
  /** Where message and device trace events go (server/telemetry/writer.ts); none by default. */
  telemetry?: TraceRecorder;
}

export interface BrokerListenOptions extends ListenOptions {
  /** The instance the listener serves; created with default settings if new. Default 'default'. */
  instanceId?: string;
  /** Transport: MQTT over TCP (default), TLS, WebSocket or secure WebSocket (path /mqtt). */
  kind?: ListenerKind;
  /** Key and certificate; required for 'tls' and 'wss'. */
  tls?: TlsCredentials;
}

export interface ListenerInfo {
  kind: ListenerKind;
  port: number;
}

interface InstanceEntry {
  instance: BrokerInstance;
  store: InstanceStore;
  listeners: Listener[];
}

export class Broker {
  readonly wheel = new TimerWheel();
  readonly batcher: WriteBatcher;
  private readonly persistence: PersistenceProvider;
  private readonly entries = new Map<string, InstanceEntry>();
  private httpHandler: HttpRequestHandler | null = null;
  private closed = false;

  constructor(private readonly options: BrokerOptions = {}) {
    this.persistence = options.persistence ?? new MemoryPersistence();
    this.batcher = new WriteBatcher(
      () => {
        for (const e of this.entries.values()) e.instance.commit();
      },
      () => {
        for (const e of this.entries.values()) if (e.instance.uncommitted) return true;
        return false;
      },
    );
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
    instance.telemetry = this.options.telemetry ?? null;
    this.entries.set(id, { instance, store, listeners: [] });
    return instance;
  }

  instance(id: string): BrokerInstance | undefined {
    return this.entries.get(id)?.instance;
  }

  get instanceIds(): string[] {
    return [...this.entries.keys()];
  }

  /**
   * Opens a listener for the instance (created with default settings if new) and resolves
   * with the address it is bound to.
   */
  async listen(options: BrokerListenOptions): Promise<net.AddressInfo> {
    if (this.closed) throw new Error('broker is closed');
    const id = options.instanceId ?? 'default';
    const kind = options.kind ?? 'tcp';
    const instance = this.instance(id) ?? this.addInstance(id);
    const entry = this.entries.get(id)!;
    const listener = this.createListener(kind, instance, options.tls);
    // Registered before it is bound, so that closeListener/removeInstance meanwhile see it.
    entry.listeners.push(listener);
    try {
      const address = await listener.listen({ port: options.port, host: options.host });
      // Closed meanwhile (closeListener, removeInstance or close): it must not stay bound.
      if (this.closed || this.entries.get(id) !== entry || !entry.listeners.includes(listener)) {
        throw new Error(`the ${kind} listener of ${id} was closed while opening`);
      }
      return address;
    } catch (err) {
      entry.listeners = entry.listeners.filter((l) => l !== listener);
      await listener.close();
      throw err;
    }
  }

  /**
   * Closes the instance's listeners of this kind; their clients are disconnected (MQTT 5:
   * DISCONNECT 0x8B; wills are published). Resolves false when there was none.
   */
  async closeListener(instanceId: string, kind: ListenerKind): Promise<boolean> {
    const entry = this.entries.get(instanceId);
    if (!entry) return false;
    const closing = entry.listeners.filter((l) => l.kind === kind);
    if (closing.length === 0) return false;
    entry.listeners = entry.listeners.filter((l) => l.kind !== kind);
    await Promise.all(closing.map((l) => l.close()));
    return true;
  }

  /** The instance's bound listeners. */
  listeners(instanceId: string): ListenerInfo[] {
    const entry = this.entries.get(instanceId);
    if (!entry) return [];
    const out: ListenerInfo[] = [];
    for (const l of entry.listeners) {
      const address = l.address();
      if (address) out.push({ kind: l.kind, port: address.port });
    }
    return out;
  }

  /**
   * Serves the plain HTTP requests (not WebSocket upgrades) arriving on every ws and wss
   * listener, now and later; null answers 404 again.
   */
  setHttpHandler(handler: HttpRequestHandler | null): void {
    this.httpHandler = handler;
    for (const entry of this.entries.values()) {
      for (const l of entry.listeners) if (l instanceof WebSocketListener) l.requestHandler = handler;
    }
  }

  private createListener(kind: ListenerKind, instance: BrokerInstance, tls: TlsCredentials | undefined): Listener {
    if ((kind === 'tls' || kind === 'wss') && !tls) throw new Error(`a ${kind} listener needs a key and certificate`);
    switch (kind) {
      case 'tcp':
        return new TcpListener(instance);
      case 'tls':
        return new TlsListener(instance, tls!);
      case 'ws':
      case 'wss': {
        const listener = new WebSocketListener(instance, kind === 'wss' ? tls : undefined);
        listener.requestHandler = this.httpHandler;
        return listener;
      }
      default:
        throw new Error(`unknown listener kind ${String(kind)}`);
    }
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
    // Clients first (no wills: everyone goes), then the listeners stop accepting; both happen
    // in this turn, so no client slips in between.
    entry.instance.close();
    const closing = Promise.all(entry.listeners.map((l) => l.close()));
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
