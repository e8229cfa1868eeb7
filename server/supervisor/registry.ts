/**
 * The console process's one supervisor, reachable from the Next.js route handlers, which run
 * in the same process but load their own copies of our modules (hence globalThis).
 */
import type { BrokerSupervisor } from './broker-supervisor';

const key = Symbol.for('magpie.supervisor');
type GlobalWithSupervisor = typeof globalThis & { [key]?: BrokerSupervisor };

export function setSupervisor(supervisor: BrokerSupervisor | undefined): void {
  (globalThis as GlobalWithSupervisor)[key] = supervisor;
}

export function getSupervisor(): BrokerSupervisor | undefined {
  return (globalThis as GlobalWithSupervisor)[key];
}
