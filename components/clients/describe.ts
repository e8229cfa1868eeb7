/** Words for the broker's numbers: protocol levels, transports, durations; the lookup modes. */

export const LOOKUP_MODES = ['client', 'group', 'topic'] as const;
export type LookupMode = (typeof LOOKUP_MODES)[number];

export function protocolName(version: number): string {
  return version === 5 ? 'MQTT 5.0' : version === 4 ? 'MQTT 3.1.1' : version === 3 ? 'MQTT 3.1' : `MQTT (${version})`;
}

export const TRANSPORT_NAMES: Record<string, string> = {
  tcp: 'TCP',
  tls: 'TLS',
  ws: 'WebSocket',
  wss: 'WebSocket (TLS)',
};

export function transportName(kind: string | null): string {
  return kind ? (TRANSPORT_NAMES[kind] ?? kind) : '—';
}

/** "3 s", "5 min", "2 h", "4 d": the largest whole unit. */
export function shortDuration(ms: number): { n: number; unit: 's' | 'min' | 'h' | 'd' } {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return { n: s, unit: 's' };
  if (s < 7200) return { n: Math.floor(s / 60), unit: 'min' };
  if (s < 172800) return { n: Math.floor(s / 3600), unit: 'h' };
  return { n: Math.floor(s / 86400), unit: 'd' };
}
