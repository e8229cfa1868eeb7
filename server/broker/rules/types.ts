/**
 * What the rule engine is given (main.ts reads it from the console database) and what it
 * reports back (the control method `ruleStats`).
 */

/** A RocketMQ 5 cluster, reached through its gRPC proxy. */
export interface ClusterConfig {
  id: number;
  /** Proxy endpoints, `host:port` joined with `;`. */
  endpoints: string;
  namespace: string;
  /** AccessKey and its (opened) secret when the cluster has ACLs; null otherwise. */
  accessKey: string | null;
  secretKey: string | null;
}

export type RuleType = 'inflow' | 'outflow' | 'status';

/** A rule (db/schema.ts `rules`): source and target depend on the type. */
export interface RuleConfig {
  instanceId: string;
  /** The user's rule ID. */
  ruleId: string;
  enabled: boolean;
  type: RuleType;
  /** outflow: a parent topic; inflow: a RocketMQ topic; status: a Group ID. */
  source: string;
  /** outflow, status: a RocketMQ topic; inflow: a parent topic. */
  target: string;
  clusterId: number;
}

export interface RuleStats {
  /** Messages delivered to the other side (RocketMQ for outflow/status, the instance for inflow). */
  sent: number;
  /** Attempts that failed (each retry counts). */
  failed: number;
  /** Waiting to be sent now. */
  buffered: number;
  /** Given up: over the buffer bound, or an inflow message that cannot become an MQTT message. */
  dropped: number;
  lastError: string | null;
  lastErrorAt: number | null;
  lastSentAt: number | null;
}

export function emptyStats(): RuleStats {
  return { sent: 0, failed: 0, buffered: 0, dropped: 0, lastError: null, lastErrorAt: null, lastSentAt: null };
}

export function recordError(stats: RuleStats, err: unknown): void {
  stats.lastError = err instanceof Error ? err.message : String(err);
  stats.lastErrorAt = Date.now();
}
