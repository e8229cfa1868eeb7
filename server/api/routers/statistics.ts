/** Instance statistics (PRODUCT.md §8): the broker's samples over 1 h … 7 d, and messages per parent topic. */
import { statisticsQuerySchema } from '@/lib/schemas';
import { statisticsSeries, statisticsTopics } from '../../services/statistics';
import { protectedProcedure, router } from '../trpc';

export const statisticsRouter = router({
  series: protectedProcedure.input(statisticsQuerySchema).query(({ ctx, input }) => statisticsSeries(ctx.backend, input)),
  topics: protectedProcedure.input(statisticsQuerySchema).query(({ ctx, input }) => statisticsTopics(ctx.backend, input)),
});
