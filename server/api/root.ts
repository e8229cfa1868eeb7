import { accessKeysRouter } from './routers/access-keys';
import { authRouter } from './routers/auth';
import { brokerRouter } from './routers/broker';
import { groupsRouter, topicsRouter } from './routers/instance-resources';
import { instancesRouter } from './routers/instances';
import { permissionsRouter } from './routers/permissions';
import { settingsRouter } from './routers/settings';
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
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
