/**
 * The control channel between the console (supervisor) and the broker process: Node's IPC
 * channel of a forked child, carrying these JSON messages.
 */

/** One listening socket of the broker. */
export interface ListenerStatus {
  instanceId: string;
  kind: 'tcp' | 'tls' | 'ws' | 'wss';
  port: number;
  /** Null while listening; the reason (in English) when the listener could not open. */
  error: string | null;
  /**
   * What kind of reason, for the console to word it in its language: the error code of
   * listen() (EADDRINUSE: another program holds the port; EACCES: not allowed to use it;
   * EADDRNOTAVAIL: the bind address is not this machine's), or CERTIFICATE (the TLS
   * certificate cannot be loaded; `error` says which file and why).
   */
  code?: string;
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
