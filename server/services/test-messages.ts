/**
 * "Send test message" (PRODUCT.md section 8): the console publishes a message under one of an
 * instance's parent topics and gets its message ID back. The broker process publishes it (the
 * `publish` control method); this side checks what the console knows first (the parent topic
 * exists, the instance's topic length and payload limits), so the user gets a clear message
 * under the right field.
 */
import { testMessageSchema, testMessageTopic, type TestMessageInput } from '@/lib/schemas';
import type { Backend } from '../backend';
import type { PublishParams, PublishResult } from '../broker/control/publish';
import { AppError, parseInput } from '../errors';
import type { BrokerSupervisor } from '../supervisor/broker-supervisor';
import { getSupervisor } from '../supervisor/registry';
import { topicService } from './instance-resources';
import { getInstance } from './instances';

export async function sendTestMessage(
  backend: Backend,
  input: TestMessageInput,
  supervisor: BrokerSupervisor | undefined = getSupervisor(),
): Promise<PublishResult> {
  const data = parseInput(testMessageSchema, input);
  const instance = getInstance(backend, data.instanceId);
  topicService.get(backend, { instanceId: instance.id, name: data.topic });
  const topic = testMessageTopic(data.topic, data.subtopic);
  if (topic.length > instance.maxTopicLength) {
    throw new AppError('BAD_REQUEST', 'e.testMessage.topicTooLong', { length: topic.length, max: instance.maxTopicLength }, 'subtopic');
  }
  const payload = Buffer.from(data.payload, 'utf8');
  if (payload.byteLength > instance.maxPayloadBytes) {
    throw new AppError(
      'BAD_REQUEST',
      'e.testMessage.payloadTooLarge',
      { size: payload.byteLength, max: instance.maxPayloadBytes },
      'payload',
    );
  }
  if (!supervisor || supervisor.status().state !== 'running') {
    throw new AppError('PRECONDITION_FAILED', 'e.broker.notRunning');
  }
  const params: PublishParams = {
    instanceId: instance.id,
    parentTopic: data.topic,
    topic,
    payloadBase64: payload.toString('base64'),
    qos: data.qos,
  };
  try {
    return await supervisor.request<PublishResult>('publish', params);
  } catch (err) {
    throw new AppError('PRECONDITION_FAILED', 'e.broker.publishFailed', { reason: err instanceof Error ? err.message : String(err) });
  }
}
