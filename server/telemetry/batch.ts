/** What the broker's thread hands the telemetry thread, and what it answers (structured clone). */

export interface DeviceEventRecord {
  time: number;
  kind: number;
  instanceId: string;
  clientId: string;
  channel: number;
  address: string;
  description: string;
}

export interface SampleRecord {
  time: number;
  instanceId: string;
  intervalMs: number;
  connections: number;
  subscriptions: number;
  messagesIn: number;
  messagesOut: number;
  throttled: number;
  dropped: number;
  offlineDropped: number;
  traceDropped: number;
}

/**
 * Message events column by column: numbers only, so the arrays are transferred, not copied.
 * Instance IDs, client IDs and topics are local name numbers (see NameUpdate).
 */
export interface MessageColumns {
  count: number;
  kinds: Uint8Array;
  qos: Uint8Array;
  times: Float64Array;
  ids: Float64Array;
  instances: Uint32Array;
  clients: Uint32Array;
  topics: Uint32Array;
}

/**
 * The broker's thread numbers each string it records (1, 2, 3…) and sends each string once,
 * with the batch that first uses it. `reset`: the numbering started over (the thread forgets
 * the old numbers before reading this batch).
 */
export interface NameUpdate {
  reset: boolean;
  /** The number of names[0]; the others follow. */
  first: number;
  names: string[];
}

export type ToThread =
  | {
      type: 'batch';
      seq: number;
      names: NameUpdate;
      messages: MessageColumns | null;
      devices: DeviceEventRecord[];
      samples: SampleRecord[];
    }
  | { type: 'retention'; ms: number }
  | { type: 'close' };

export type FromThread = { type: 'done'; seq: number } | { type: 'closed' };
