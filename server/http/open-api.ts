/**
 * The cloud-compatible HTTP APIs on the console's port, served before Next.js
 * (server/main.ts): the token server API (token-api.ts) and the client status API
 * (client-status.ts, answered by asking the broker process over the control channel).
 */
import type http from 'node:http';
import { getBackend, type Backend } from '../backend';
import type { BrokerSupervisor } from '../supervisor/broker-supervisor';
import { getSupervisor } from '../supervisor/registry';
import { CLIENT_STATUS_PATH, handleClientStatus, ServiceUnavailableError } from './client-status';
import { pathOf, sendJson } from './request';
import { handleTokenApi, TOKEN_API_PATHS } from './token-api';

export interface OpenApiDeps {
  backend: () => Backend;
  supervisor: () => BrokerSupervisor | undefined;
}

const defaultDeps: OpenApiDeps = { backend: getBackend, supervisor: getSupervisor };

/** Asks the broker process for a client ID's live connections. */
async function askBroker(supervisor: BrokerSupervisor | undefined, instanceId: string, clientId: string): Promise<number> {
  if (!supervisor || supervisor.status().state !== 'running') {
    throw new ServiceUnavailableError(`the broker is not running (${supervisor?.status().state ?? 'not started'}); try again shortly`);
  }
  try {
    const { online } = await supervisor.request<{ online: number }>('clientStatus', { instanceId, clientId }, 3000);
    return online;
  } catch (err) {
    throw new ServiceUnavailableError(`the broker could not answer: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Serves the request when it is for one of the open APIs and returns true; false leaves it
 * to the caller (Next.js).
 */
export function handleOpenApi(req: http.IncomingMessage, res: http.ServerResponse, deps: OpenApiDeps = defaultDeps): boolean {
  const path = pathOf(req.url);
  const operation = Object.hasOwn(TOKEN_API_PATHS, path) ? TOKEN_API_PATHS[path] : undefined;
  if (!operation && path !== CLIENT_STATUS_PATH) return false;
  const serve = async () => {
    if (operation) {
      // A new or revoked token: the broker reloads now rather than at its next poll.
      await handleTokenApi(req, res, deps.backend(), operation, () => deps.supervisor()?.send({ type: 'reload' }));
    } else {
      await handleClientStatus(req, res, deps.backend(), (instanceId, clientId) => askBroker(deps.supervisor(), instanceId, clientId));
    }
  };
  serve().catch((err: unknown) => {
    console.error(`${req.method} ${path} failed:`, err);
    if (!res.headersSent) sendJson(res, 500, { success: false, code: 500, message: 'internal error', tokenData: null, online: -1 });
    else res.destroy();
  });
  return true;
}
