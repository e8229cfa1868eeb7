/** RocketMQ clusters: list, create, update (secret write-only), delete (refused while used), test. */
import { z } from 'zod';
import { clusterCreateSchema, clusterIdSchema, clusterTestSchema, clusterUpdateSchema } from '@/lib/schemas';
import {
  createCluster,
  deleteCluster,
  getCluster,
  listClusters,
  testCluster,
  updateCluster,
} from '../../services/rocketmq-clusters';
import { protectedProcedure, router } from '../trpc';

const byId = z.object({ id: clusterIdSchema });

export const rocketmqClustersRouter = router({
  list: protectedProcedure.query(({ ctx }) => listClusters(ctx.backend)),
  get: protectedProcedure.input(byId).query(({ ctx, input }) => getCluster(ctx.backend, input.id)),
  create: protectedProcedure.input(clusterCreateSchema).mutation(({ ctx, input }) => createCluster(ctx.backend, input)),
  update: protectedProcedure.input(clusterUpdateSchema).mutation(({ ctx, input }) => updateCluster(ctx.backend, input)),
  delete: protectedProcedure.input(byId).mutation(({ ctx, input }) => {
    deleteCluster(ctx.backend, input.id);
    return { ok: true };
  }),
  /** Asked of the broker process: `{ checks: [{ name, ok, detail }] }`. */
  test: protectedProcedure.input(clusterTestSchema).mutation(({ ctx, input }) => testCluster(ctx.backend, input)),
});
