/** Rules of an instance: list (with the broker's counters), create, update, enable/disable, delete. */
import { z } from 'zod';
import { instanceIdSchema, ruleCreateSchema, ruleRefSchema, ruleSetEnabledSchema, ruleUpdateSchema } from '@/lib/schemas';
import {
  createRule,
  deleteRule,
  getRule,
  listRulesWithStats,
  setRuleEnabled,
  updateRule,
} from '../../services/rules';
import { protectedProcedure, router } from '../trpc';

export const rulesRouter = router({
  /** `{ rules: [... with stats or null], statsError }`: the list works without the broker. */
  list: protectedProcedure
    .input(z.object({ instanceId: instanceIdSchema }))
    .query(({ ctx, input }) => listRulesWithStats(ctx.backend, input.instanceId)),
  get: protectedProcedure.input(ruleRefSchema).query(({ ctx, input }) => getRule(ctx.backend, input)),
  create: protectedProcedure.input(ruleCreateSchema).mutation(({ ctx, input }) => createRule(ctx.backend, input)),
  update: protectedProcedure.input(ruleUpdateSchema).mutation(({ ctx, input }) => updateRule(ctx.backend, input)),
  setEnabled: protectedProcedure.input(ruleSetEnabledSchema).mutation(({ ctx, input }) => setRuleEnabled(ctx.backend, input)),
  delete: protectedProcedure.input(ruleRefSchema).mutation(({ ctx, input }) => {
    deleteRule(ctx.backend, input);
    return { ok: true };
  }),
});
