/**
 * The control channel between the console (supervisor) and the broker process: Node's IPC
 * channel of a forked child, carrying these JSON messages.
 */

/** One listening socket of the broker. */
export interface ListenerStatus {
  instanceId: string;
  kind: 'tcp' | 'tls' | 'ws' | 'wss';
  port: number;
  /** Null while listening; the reason when the port could not be bound. */
  error: string | null;
  /** Set when that reason is another program holding the port (the console words it itself). */
  inUse?: boolean;
}

/** Broker → console. */
export type BrokerMessage =
  | { type: 'ready'; listeners: ListenerStatus[] }
  | { type: 'listeners'; listeners: ListenerStatus[] }
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: string };

/** Console → broker. */
export type ConsoleMessage =
  /** Configuration changed in the database: apply it now rather than at the next poll. */
  | { type: 'reload' }
  | { type: 'request'; id: number; method: string; params: unknown };
