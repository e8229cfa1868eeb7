import { accessKeysRouter } from './routers/access-keys';
import { authRouter } from './routers/auth';
import { brokerRouter } from './routers/broker';
import { clientsRouter } from './routers/clients';
import { deviceCredentialsRouter } from './routers/device-credentials';
import { groupsRouter, topicsRouter } from './routers/instance-resources';
import { instancesRouter } from './routers/instances';
import { permissionsRouter } from './routers/permissions';
import { rocketmqClustersRouter } from './routers/rocketmq-clusters';
import { rulesRouter } from './routers/rules';
import { settingsRouter } from './routers/settings';
import { signatureRouter } from './routers/signature';
import { statisticsRouter } from './routers/statistics';
import { testMessagesRouter } from './routers/test-messages';
import { tracesRouter } from './routers/traces';
import { createCallerFactory, router } from './trpc';

export const appRouter = router({
  auth: authRouter,
  accessKeys: accessKeysRouter,
  instances: instancesRouter,
  topics: topicsRouter,
  groups: groupsRouter,
  permissions: permissionsRouter,
  settings: settingsRouter,
  broker: brokerRouter,
  deviceCredentials: deviceCredentialsRouter,
  signature: signatureRouter,
  testMessages: testMessagesRouter,
  clients: clientsRouter,
  statistics: statisticsRouter,
  traces: tracesRouter,
  rocketmqClusters: rocketmqClustersRouter,
  rules: rulesRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
