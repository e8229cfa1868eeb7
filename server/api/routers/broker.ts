import { z } from 'zod';
import { instanceIdSchema } from '@/lib/schemas';
import { getSupervisor } from '../../supervisor/registry';
import type { BrokerStatus } from '../../supervisor/broker-supervisor';
import { protectedProcedure, router } from '../trpc';

const notSupervised: BrokerStatus = {
  state: 'stopped',
  pid: null,
  startedAt: null,
  restarts: 0,
  nextStartAt: null,
  lastExit: null,
  listeners: [],
};

export const brokerRouter = router({
  /** The broker process as the console's supervisor sees it. */
  status: protectedProcedure.query(({ ctx }) => ({
    ...(getSupervisor()?.status() ?? notSupervised),
    supervised: getSupervisor() !== undefined,
    /** The TLS listeners use the user's own certificate files rather than the generated one (so the console knows which to point at). */
    certificateConfigured: Boolean(ctx.backend.config.tlsCertFile || ctx.backend.config.tlsKeyFile),
    /** The server's clock, so the console computes uptime without clock skew. */
    now: Date.now(),
  })),
  /**
   * Live counters of one instance as the broker reports them (connections, messages in/out,
   * dropped, and whatever else the broker counts); null while the broker is not running.
   */
  stats: protectedProcedure.input(z.object({ instanceId: instanceIdSchema })).query(async ({ input }) => {
    const supervisor = getSupervisor();
    if (!supervisor || supervisor.status().state !== 'running') return null;
    try {
      const all = await supervisor.request<Record<string, Record<string, number>>>('stats', {}, 2000);
      return all[input.instanceId] ?? null;
    } catch {
      return null;
    }
  }),
});
