/**
 * Checks for control-method params: they come from another process as JSON, so every field is
 * verified before the broker touches its state. A failure throws an Error the console shows.
 */
import type { Broker } from '../broker';
import type { BrokerInstance } from '../instance';

export type Params = Record<string, unknown>;

export function paramsObject(method: string, params: unknown): Params {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new Error(`${method}: params must be an object`);
  return params as Params;
}

/** A string of 1..max characters without NUL. */
export function stringParam(method: string, p: Params, key: string, max = 1024): string {
  const v = p[key];
  if (typeof v !== 'string' || v.length === 0 || v.length > max || v.includes('\u0000')) {
    throw new Error(`${method}: "${key}" must be a string of 1-${max} characters`);
  }
  return v;
}

/** An optional integer within [min, max]; `fallback` when absent. */
export function intParam(method: string, p: Params, key: string, min: number, max: number, fallback: number): number {
  const v = p[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new Error(`${method}: "${key}" must be an integer from ${min} to ${max}`);
  }
  return v;
}

/** The instance the params name; an Error when the broker does not serve it (not created yet, or deleted). */
export function servedInstance(method: string, broker: Broker, p: Params): BrokerInstance {
  const instanceId = stringParam(method, p, 'instanceId', 64);
  const instance = broker.instance(instanceId);
  if (!instance) throw new Error(`the broker does not serve instance ${instanceId}`);
  return instance;
}
