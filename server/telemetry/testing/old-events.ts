/**
 * Tests of retention need events from days ago: this writes them into an existing
 * telemetry.db through the real store (its own connection, as a second writer would), as if
 * the broker had recorded them then.
 */
import type { MessageColumns } from '../batch';
import { MessageKind } from '../kinds';
import { TelemetryStore } from '../store';

export interface OldMessage {
  time: number;
  instanceId: string;
  clientId: string;
  topic: string;
  messageId: number;
}

/** Writes each message's pub_mqtt event (QoS 0) at its time. */
export function writeOldMessages(file: string, messages: readonly OldMessage[]): void {
  const store = new TelemetryStore(file);
  try {
    const names: string[] = [];
    const number = (name: string) => {
      let i = names.indexOf(name);
      if (i < 0) i = names.push(name) - 1;
      return i + 1;
    };
    const n = messages.length;
    const columns: MessageColumns = {
      count: n,
      kinds: new Uint8Array(n).fill(MessageKind.pub_mqtt),
      qos: new Uint8Array(n),
      times: Float64Array.from(messages.map((m) => m.time)),
      ids: Float64Array.from(messages.map((m) => m.messageId)),
      instances: Uint32Array.from(messages.map((m) => number(m.instanceId))),
      clients: Uint32Array.from(messages.map((m) => number(m.clientId))),
      topics: Uint32Array.from(messages.map((m) => number(m.topic))),
    };
    store.write({ names: { reset: true, first: 1, names }, messages: columns, devices: [], samples: [] });
  } finally {
    store.close();
  }
}
