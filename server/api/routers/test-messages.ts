/** "Send test message": published by the broker process under a parent topic; answers its message ID. */
import { testMessageSchema } from '@/lib/schemas';
import { sendTestMessage } from '../../services/test-messages';
import { protectedProcedure, router } from '../trpc';

export const testMessagesRouter = router({
  send: protectedProcedure.input(testMessageSchema).mutation(({ ctx, input }) => sendTestMessage(ctx.backend, input)),
});
