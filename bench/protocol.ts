/** What the coordinator (run.ts) and the load-generator processes (loadgen.ts) say to each other over IPC. */

export interface Spec {
  /** Which scenario run this is: deliveries reported late from an earlier run are ignored. */
  epoch: number;
  port: number;
  /** This worker's index (written into every payload: whose publish it was). */
  worker: number;
  /** Client id prefix, unique per scenario run. */
  prefix: string;
  qos: 0 | 1;
  /** Payload bytes (at least 16: the header of mqtt-raw.ts). */
  payload: number;
  /** One publisher connection per topic. */
  publishers: string[];
  /** One subscriber connection per filter. */
  subscribers: string[];
  /** cleanSession of the subscribers (false: persistent sessions). */
  subscriberClean: boolean;
  /** Deliveries each publish yields, over all workers. */
  fanout: number;
  /** closed: end-to-end window; rate: fixed publish rate; manual: publishN commands. */
  mode: 'closed' | 'rate' | 'manual';
  /** closed: deliveries of this worker's publishes allowed in flight. */
  window: number;
  /** rate: publishes per second from this worker. */
  rate: number;
  /** QoS 1: PUBLISHes a publisher connection may have unacknowledged. */
  pubInflight: number;
  /** Count duplicate deliveries (by publisher and sequence number). */
  trackDuplicates: boolean;
}

export type Command =
  | { id: number; cmd: 'setup'; spec: Spec }
  | { id: number; cmd: 'start' | 'snapshot' | 'stop' | 'teardown' }
  | { id: number; cmd: 'publishN'; count: number }
  | { id: number; cmd: 'disconnectSubscribers' | 'reconnectSubscribers' | 'cleanSessions' }
  | { id: number; cmd: 'idleOpen'; port: number; count: number; prefix: string; worker: number; keepAlive: number }
  | { id: number; cmd: 'idleClose' }
  | { id?: undefined; cmd: 'credit'; delivered: number };

/** Cumulative counters of one worker; the latency histogram is since the previous snapshot. */
export interface Snapshot {
  published: number;
  acked: number;
  delivered: number;
  duplicates: number;
  writtenOff: number;
  unexpectedCloses: number;
  /** process.cpuUsage() user + system, microseconds. */
  cpuUs: number;
  latency: [number, number][];
}

export interface Reply {
  id: number;
  ok: boolean;
  error?: string;
  snapshot?: Snapshot;
  elapsedMs?: number;
  sessionsLost?: number;
  opened?: number;
  failures?: string[];
}

/** Unsolicited: deliveries seen by this worker of other workers' publishes, by source worker. */
export interface WorkerEvent {
  t: 'rx';
  epoch: number;
  counts: number[];
}
