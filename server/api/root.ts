import { accessKeysRouter } from './routers/access-keys';
import { authRouter } from './routers/auth';
import { brokerRouter } from './routers/broker';
import { deviceCredentialsRouter } from './routers/device-credentials';
import { groupsRouter, topicsRouter } from './routers/instance-resources';
import { instancesRouter } from './routers/instances';
import { permissionsRouter } from './routers/permissions';
import { settingsRouter } from './routers/settings';
import { signatureRouter } from './routers/signature';
import { testMessagesRouter } from './routers/test-messages';
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
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
