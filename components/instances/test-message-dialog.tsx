'use client';
/**
 * "Send test message" (PRODUCT.md section 8): subtopic, payload and QoS; the broker publishes it
 * under the parent topic and the dialog shows the message ID it answers, with a copy button.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import { CircleCheck } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { useFormErrors, validate } from '@/components/forms';
import { useI18n } from '@/components/i18n';
import { Button } from '@/components/ui/button';
import { Callout } from '@/components/ui/card';
import { Dialog, DialogBody, DialogFooter, FormDialogFooter } from '@/components/ui/dialog';
import { FormAlert, FormField, Input, Select, Textarea } from '@/components/ui/form-field';
import { ValueRow } from '@/components/ui/value-row';
import { testMessageSchema, testMessageTopic } from '@/lib/schemas';
import { useTRPC } from '@/lib/trpc/client';

const FIELDS = ['subtopic', 'payload', 'qos'] as const;

interface Sent {
  messageId: string;
  topic: string;
  receivers: number;
}

export function TestMessageDialog({ instanceId, topic, onClose }: { instanceId: string; topic: string; onClose: () => void }) {
  const { t } = useI18n();
  const [sent, setSent] = useState<Sent | null>(null);
  return (
    <Dialog open onClose={onClose} title={t('testMessage.title')} description={t('testMessage.description', { topic })}>
      {sent ? (
        <SentMessage sent={sent} onAnother={() => setSent(null)} onClose={onClose} />
      ) : (
        <TestMessageForm instanceId={instanceId} topic={topic} onSent={setSent} onClose={onClose} />
      )}
    </Dialog>
  );
}

function TestMessageForm({
  instanceId,
  topic,
  onSent,
  onClose,
}: {
  instanceId: string;
  topic: string;
  onSent: (sent: Sent) => void;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const instance = useQuery(trpc.instances.get.queryOptions({ id: instanceId }));
  const [subtopic, setSubtopic] = useState('');
  const [payload, setPayload] = useState('');
  const [qos, setQos] = useState('1');
  const form = useFormErrors(FIELDS);
  const send = useMutation(
    trpc.testMessages.send.mutationOptions({
      onSuccess: (result) => {
        toast.success(t('testMessage.success', { topic: result.topic }));
        onSent(result);
      },
      onError: (err) => form.fromServer(err),
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const r = validate(testMessageSchema, { instanceId, topic, subtopic, payload, qos });
    if (!r.ok) return form.setErrors(r.errors);
    form.clear();
    send.mutate(r.data);
  }

  const maxKb = instance.data ? Math.floor(instance.data.maxPayloadBytes / 1024) : 64;
  return (
    <form id={form.formId} noValidate onSubmit={onSubmit}>
      <DialogBody>
        <FormField
          id="test-message-subtopic"
          label={t('testMessage.subtopic')}
          optional={t('common.optional')}
          hint={t('testMessage.subtopic.hint')}
          error={form.message('subtopic')}
        >
          {(p) => (
            <Input
              {...p}
              value={subtopic}
              autoComplete="off"
              spellCheck={false}
              className="font-mono"
              placeholder="devices/42"
              onChange={(e) => {
                setSubtopic(e.target.value);
                form.clear('subtopic');
              }}
            />
          )}
        </FormField>
        <p className="-mt-2 text-xs text-slate-500">
          {t('testMessage.fullTopic')}:{' '}
          <code data-testid="test-message-topic" className="rounded bg-slate-100 px-1 py-0.5 font-mono break-all text-slate-800">
            {testMessageTopic(topic, subtopic)}
          </code>
        </p>
        <FormField
          id="test-message-payload"
          label={t('testMessage.payload')}
          hint={t('testMessage.payload.hint', { max: maxKb })}
          error={form.message('payload')}
        >
          {(p) => (
            <Textarea
              {...p}
              rows={4}
              className="font-mono"
              value={payload}
              onChange={(e) => {
                setPayload(e.target.value);
                form.clear('payload');
              }}
            />
          )}
        </FormField>
        <FormField id="test-message-qos" label={t('testMessage.qos')} error={form.message('qos')} className="max-w-40">
          {(p) => (
            <Select
              {...p}
              value={qos}
              onChange={(e) => {
                setQos(e.target.value);
                form.clear('qos');
              }}
            >
              {['0', '1', '2'].map((q) => (
                <option key={q} value={q}>
                  QoS {q}
                </option>
              ))}
            </Select>
          )}
        </FormField>
        {form.formError && <FormAlert>{form.formError}</FormAlert>}
      </DialogBody>
      <FormDialogFooter onCancel={onClose} pending={send.isPending} submitLabel={t('testMessage.send')} />
    </form>
  );
}

function SentMessage({ sent, onAnother, onClose }: { sent: Sent; onAnother: () => void; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <>
      <DialogBody>
        <Callout tone="info" icon={<CircleCheck aria-hidden="true" className="size-4 text-emerald-600" />} title={t('testMessage.sent.title')}>
          {t('testMessage.sent.text', { topic: sent.topic, receivers: sent.receivers })}
        </Callout>
        <ValueRow label={t('testMessage.messageId')} value={sent.messageId} what={t('testMessage.copyMessageId')} testId="test-message-id" />
      </DialogBody>
      <DialogFooter>
        <Button onClick={onAnother}>{t('testMessage.sendAnother')}</Button>
        <Button variant="primary" onClick={onClose}>
          {t('common.done')}
        </Button>
      </DialogFooter>
    </>
  );
}
