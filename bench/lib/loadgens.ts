/**
 * The load-generator processes (bench/loadgen.ts) as seen from the coordinator: commands
 * and replies over IPC, and the relay of end-to-end credit between them (deliveries one
 * worker sees of another worker's publishes).
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Command, Reply, Snapshot, WorkerEvent } from '../protocol';
import { BENCH_DIR, spawnWithFdLimit } from './brokers';
import { log } from './util';

const ignoreSendError = () => {};

type CommandBody = Command extends infer C ? (C extends unknown ? Omit<C, 'id'> : never) : never;

export class LoadGenerators {
  private readonly procs: ChildProcess[] = [];
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  /** Per source worker: deliveries of its publishes seen by the other workers, this epoch. */
  private credit: number[] = [];
  private epoch = 0;

  constructor(readonly count: number) {
    for (let w = 0; w < count; w++) {
      const child = spawnWithFdLimit(process.execPath, ['--import', 'tsx', path.join(BENCH_DIR, 'loadgen.ts')], ['ignore', 'inherit', 'inherit', 'ipc']);
      child.on('message', (msg) => this.onMessage(msg as Reply | WorkerEvent));
      child.on('error', (err) => log(`load generator ${w}: ${err.message}`));
      child.on('exit', (code, signal) => {
        for (const p of this.pending.values()) p.reject(new Error(`load generator ${w} exited (${code ?? signal})`));
        this.pending.clear();
      });
      this.procs.push(child);
    }
  }

  get pids(): number[] {
    return this.procs.map((p) => p.pid!);
  }

  /** A new scenario run: credits start from zero; late reports of the previous one are ignored. */
  newEpoch(): number {
    this.epoch++;
    this.credit = new Array<number>(this.count).fill(0);
    return this.epoch;
  }

  private onMessage(msg: Reply | WorkerEvent): void {
    if ('t' in msg) {
      if (msg.epoch !== this.epoch) return;
      msg.counts.forEach((c, w) => {
        if (!c) return;
        this.credit[w] += c;
        this.procs[w].send({ cmd: 'credit', delivered: this.credit[w] } satisfies Command, ignoreSendError);
      });
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.ok) p.resolve(msg);
    else p.reject(new Error(msg.error));
  }

  call(w: number, body: CommandBody): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const proc = this.procs[w];
      if (!proc.connected) return reject(new Error(`load generator ${w} is gone`));
      this.pending.set(id, { resolve, reject });
      proc.send({ ...body, id } as Command, (err) => {
        if (!err) return;
        this.pending.delete(id);
        reject(err);
      });
    });
  }

  all(make: (w: number) => CommandBody): Promise<Reply[]> {
    return Promise.all(this.procs.map((_, w) => this.call(w, make(w))));
  }

  async snapshots(): Promise<Snapshot[]> {
    return (await this.all(() => ({ cmd: 'snapshot' }))).map((r) => r.snapshot!);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null) return resolve();
            p.once('exit', () => resolve());
            p.disconnect();
            setTimeout(() => p.kill('SIGKILL'), 3000).unref();
          }),
      ),
    );
  }
}
