/**
 * Runs the broker as its own Node process and keeps it running: restarts it after a crash
 * with exponential backoff (reset once it has stayed up for a while), reports its state, and
 * carries the control channel (configuration nudges and queries) to it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { BrokerMessage, ConsoleMessage, ListenerStatus } from './control-messages';

export type BrokerState = 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped';

export interface BrokerStatus {
  state: BrokerState;
  pid: number | null;
  /** When the current process started (epoch ms). */
  startedAt: number | null;
  /** Restarts since the console started. */
  restarts: number;
  /** When the next start is due, while restarting. */
  nextStartAt: number | null;
  lastExit: { code: number | null; signal: string | null; at: number } | null;
  listeners: ListenerStatus[];
}

export interface SupervisorOptions {
  /** The broker's entry module. */
  entry: string;
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** A process that stayed up this long resets the backoff. */
  stableAfterMs?: number;
  /** How long a stop waits for a graceful exit before SIGKILL. */
  stopTimeoutMs?: number;
  log?: (line: string) => void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class BrokerSupervisor {
  private child: ChildProcess | null = null;
  private state: BrokerState = 'stopped';
  private startedAt: number | null = null;
  private restarts = 0;
  private backoffMs: number;
  private restartTimer: NodeJS.Timeout | null = null;
  private nextStartAt: number | null = null;
  private lastExit: BrokerStatus['lastExit'] = null;
  private listeners: ListenerStatus[] = [];
  private nextRequestId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly readyWaiters: Array<() => void> = [];
  private readonly opts: Required<Omit<SupervisorOptions, 'env' | 'execArgv'>> &
    Pick<SupervisorOptions, 'env' | 'execArgv'>;

  constructor(options: SupervisorOptions) {
    this.opts = {
      minBackoffMs: 500,
      maxBackoffMs: 30_000,
      stableAfterMs: 60_000,
      stopTimeoutMs: 10_000,
      log: (line) => console.log(`[supervisor] ${line}`),
      ...options,
    };
    this.backoffMs = this.opts.minBackoffMs;
  }

  status(): BrokerStatus {
    return {
      state: this.state,
      pid: this.child?.pid ?? null,
      startedAt: this.startedAt,
      restarts: this.restarts,
      nextStartAt: this.nextStartAt,
      lastExit: this.lastExit,
      listeners: this.listeners,
    };
  }

  start(): void {
    if (this.child || this.state === 'stopping') return;
    this.spawn();
  }

  /** Resolves once the broker reports it is listening (or right away if it already is). */
  whenRunning(): Promise<void> {
    if (this.state === 'running') return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  private spawn(): void {
    this.state = 'starting';
    this.nextStartAt = null;
    this.listeners = [];
    const child = fork(this.opts.entry, [], {
      execArgv: this.opts.execArgv ?? process.execArgv,
      env: this.opts.env ?? process.env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    this.child = child;
    this.startedAt = Date.now();
    child.on('message', (msg) => this.onMessage(msg as BrokerMessage));
    child.on('error', (err) => this.opts.log(`broker process error: ${err.message}`));
    child.on('exit', (code, signal) => this.onExit(child, code, signal));
  }

  private onMessage(msg: BrokerMessage): void {
    switch (msg.type) {
      case 'ready':
        this.state = 'running';
        this.listeners = msg.listeners;
        for (const resolve of this.readyWaiters.splice(0)) resolve();
        break;
      case 'listeners':
        this.listeners = msg.listeners;
        break;
      case 'reply': {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        clearTimeout(p.timer);
        if (msg.ok) p.resolve(msg.result);
        else p.reject(new Error(msg.error));
        break;
      }
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = null;
    this.lastExit = { code, signal, at: Date.now() };
    this.listeners = [];
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error('the broker process exited'));
      this.pending.delete(id);
    }
    if (this.state === 'stopping') {
      this.state = 'stopped';
      return;
    }
    // Crashed (or exited on its own): restart after the backoff.
    const upFor = Date.now() - (this.startedAt ?? Date.now());
    if (upFor >= this.opts.stableAfterMs) this.backoffMs = this.opts.minBackoffMs;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.maxBackoffMs);
    this.state = 'restarting';
    this.nextStartAt = Date.now() + delay;
    this.opts.log(`broker exited (code ${code}, signal ${signal}); restarting in ${delay} ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.restarts += 1;
      this.spawn();
    }, delay);
  }

  /** Sends a message on the control channel; false when no broker is running. */
  send(msg: ConsoleMessage): boolean {
    if (!this.child?.connected) return false;
    this.child.send(msg);
    return true;
  }

  /** Asks the broker something over the control channel. */
  request<T = unknown>(method: string, params: unknown = {}, timeoutMs = 5000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = this.nextRequestId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the broker did not answer "${method}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      if (!this.send({ type: 'request', id, method, params })) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new Error('the broker is not running'));
      }
    });
  }

  /** Graceful stop: SIGTERM, then SIGKILL after the timeout. No restart follows. */
  async stop(): Promise<void> {
    if (this.restartTimer) {
      clearTimeout(this.restartTimer);
      this.restartTimer = null;
    }
    const child = this.child;
    this.state = child ? 'stopping' : 'stopped';
    this.nextStartAt = null;
    if (!child) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), this.opts.stopTimeoutMs);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
