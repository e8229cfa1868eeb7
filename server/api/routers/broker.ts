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
  status: protectedProcedure.query(() => ({
    ...(getSupervisor()?.status() ?? notSupervised),
    supervised: getSupervisor() !== undefined,
    /** The server's clock, so the console computes uptime without clock skew. */
    now: Date.now(),
  })),
});
