/**
 * The synchronous client status API, as the cloud's (PRODUCT.md §5):
 * `GET /route/clientId/get?accessKey=&resource=<clientId>&timestamp=<ms>&instanceId=&signature=`
 * answers `{code, success, online, message}`, `online` being the client ID's live connections.
 *
 * Served by the broker on each instance's ws/wss ports (server/http/broker-http.ts) and by the
 * console (server/http/open-api.ts, asking the broker over the control channel). Both check
 * the request here; only how they count differs.
 */
import { and, eq } from 'drizzle-orm';
import { groups, instances } from '@/db/schema';
import type { Backend } from '../backend';
import { queryParams, sendJson, type Params } from './request';
import { checkSignature } from './signed-request';

export const CLIENT_STATUS_PATH = '/route/clientId/get';
/** How far the request's timestamp may be from the server's clock. */
export const TIMESTAMP_TOLERANCE_MS = 5 * 60_000;

/** The cloud's result codes. */
export const STATUS_CODES = { ok: 0, missingParameter: 1, badSignature: 2, noPermission: 3, timestampExpired: 4 } as const;

export interface ClientStatusBody {
  code: number;
  success: boolean;
  /** Live connections of the client ID; -1 when unknown (an error). */
  online: number;
  message: string;
}

export type ClientStatusCheck =
  | { ok: true; instanceId: string; clientId: string }
  | { ok: false; status: number; body: ClientStatusBody };

const SIGNED = ['accessKey', 'instanceId', 'resource', 'timestamp'] as const;

export const statusFailure = (status: number, code: number, message: string): { ok: false; status: number; body: ClientStatusBody } => ({
  ok: false,
  status,
  body: { code, success: false, online: -1, message },
});

export const statusSuccess = (online: number): ClientStatusBody => ({ code: 0, success: true, online, message: 'success' });

export interface CheckOptions {
  now?: number;
  /** Set when the request came to an instance's own endpoint: it answers for that instance only. */
  servingInstanceId?: string;
}

/**
 * Checks a status request: parameters (400, code 1), signature (403, code 2; an unknown or
 * disabled AccessKey is code 3), timestamp (403, code 4), the instance and, unless it is in
 * open mode, that the client ID's Group ID exists on it (403, code 3).
 */
export function checkClientStatusRequest(backend: Backend, params: Params, options: CheckOptions = {}): ClientStatusCheck {
  const now = options.now ?? Date.now();
  const missing = [...SIGNED, 'signature'].filter((name) => !params[name]);
  if (missing.length > 0) return statusFailure(400, 1, `missing parameter${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
  const { accessKey, instanceId, resource: clientId, timestamp } = params as Record<(typeof SIGNED)[number] | 'signature', string>;
  if (!/^\d{1,16}$/.test(timestamp)) return statusFailure(400, 1, `timestamp must be a UNIX time in milliseconds (got "${timestamp}")`);

  const check = checkSignature(backend, accessKey, { accessKey, instanceId, resource: clientId, timestamp }, params.signature!);
  if (!check.ok) return statusFailure(403, check.reason === 'bad-signature' ? 2 : 3, check.message);

  if (Math.abs(now - Number(timestamp)) > TIMESTAMP_TOLERANCE_MS) {
    return statusFailure(403, 4, `timestamp expired: it must be within 5 minutes of the server's time (${new Date(now).toISOString()})`);
  }
  if (options.servingInstanceId !== undefined && instanceId !== options.servingInstanceId) {
    return statusFailure(403, 3, `this endpoint serves instance ${options.servingInstanceId}, not ${instanceId}`);
  }
  const instance = backend.db.select({ openMode: instances.openMode }).from(instances).where(eq(instances.id, instanceId)).get();
  if (!instance) return statusFailure(403, 3, `no instance ${instanceId}`);
  if (!instance.openMode) {
    const sep = clientId.indexOf('@@@');
    const group = sep > 0 ? clientId.slice(0, sep) : '';
    const known =
      group !== '' &&
      backend.db
        .select({ id: groups.id })
        .from(groups)
        .where(and(eq(groups.instanceId, instanceId), eq(groups.name, group)))
        .get() !== undefined;
    if (!known) {
      return statusFailure(
        403,
        3,
        group === ''
          ? `"${clientId}" is not a client ID of the form <GroupID>@@@<DeviceID>`
          : `no Group ID ${group} on instance ${instanceId}`,
      );
    }
  }
  return { ok: true, instanceId, clientId };
}

/**
 * Serves one status request: checks it, then asks `countOnline` (the broker's own count, or
 * the console's question to the broker, which may fail with a ServiceUnavailableError).
 */
export async function handleClientStatus(
  req: { method?: string; url?: string },
  res: Parameters<typeof sendJson>[0],
  backend: Backend,
  countOnline: (instanceId: string, clientId: string) => number | Promise<number>,
  options: Omit<CheckOptions, 'now'> = {},
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET');
    const { status, body } = statusFailure(405, 1, `use GET for ${CLIENT_STATUS_PATH}`);
    sendJson(res, status, body);
    return;
  }
  const check = checkClientStatusRequest(backend, queryParams(req.url), options);
  if (!check.ok) {
    sendJson(res, check.status, check.body);
    return;
  }
  let online: number;
  try {
    online = await countOnline(check.instanceId, check.clientId);
  } catch (err) {
    if (!(err instanceof ServiceUnavailableError)) throw err;
    sendJson(res, 503, { code: -1, success: false, online: -1, message: err.message });
    return;
  }
  sendJson(res, 200, statusSuccess(online));
}

/** The broker cannot be asked right now (not running, restarting, or it did not answer). */
export class ServiceUnavailableError extends Error {
  override name = 'ServiceUnavailableError';
}
