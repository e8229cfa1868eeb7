/**
 * Listener ports for a new instance. The first instance gets the well-known MQTT ports
 * (1883 TCP, 8883 TLS, 8083 WebSocket, 8084 secure WebSocket) when no instance holds them and
 * nothing else on the machine listens there; later instances get the next free ports counting
 * up from 11883, skipping ports that another instance owns or that are in use.
 */
import net from 'node:net';
import { instances } from '@/db/schema';
import type { Db } from '@/db/client';
import { AppError } from '../errors';

export interface InstancePorts {
  tcpPort: number;
  tlsPort: number;
  wsPort: number;
  wssPort: number;
}

export const DEFAULT_PORTS: InstancePorts = { tcpPort: 1883, tlsPort: 8883, wsPort: 8083, wssPort: 8084 };
export const FIRST_EXTRA_PORT = 11883;
const LAST_PORT = 65535;

/** True when nothing listens on `port` (any address), so our broker can bind it. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export function portsInUse(db: Db): Set<number> {
  const used = new Set<number>();
  for (const row of db.select().from(instances).all()) {
    used.add(row.tcpPort).add(row.tlsPort).add(row.wsPort).add(row.wssPort);
  }
  return used;
}

export async function allocatePorts(db: Db, isFree: (port: number) => Promise<boolean> = isPortFree): Promise<InstancePorts> {
  const used = portsInUse(db);
  const defaults = Object.values(DEFAULT_PORTS);
  if (defaults.every((p) => !used.has(p))) {
    const free = await Promise.all(defaults.map(isFree));
    if (free.every(Boolean)) return { ...DEFAULT_PORTS };
  }
  const picked: number[] = [];
  for (let port = FIRST_EXTRA_PORT; port <= LAST_PORT && picked.length < 4; port++) {
    if (!used.has(port) && (await isFree(port))) picked.push(port);
  }
  if (picked.length < 4) throw new AppError('CONFLICT', 'e.noFreePorts');
  const [tcpPort, tlsPort, wsPort, wssPort] = picked as [number, number, number, number];
  return { tcpPort, tlsPort, wsPort, wssPort };
}
