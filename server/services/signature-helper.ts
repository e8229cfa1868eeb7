/**
 * The signature helper (PRODUCT.md section 8): the MQTT user name and password a client needs
 * for signature mode or device-credential mode, computed exactly as the broker checks them.
 * The secret is used for this computation only: never stored, never logged.
 */
import { signatureHelperSchema, type SignatureHelperInput } from '@/lib/schemas';
import type { Backend } from '../backend';
import { hmacSha1Base64 } from '../crypto/signatures';
import { parseInput } from '../errors';
import { getInstance } from './instances';

export interface MqttLogin {
  clientId: string;
  username: string;
  password: string;
}

const USERNAME_PREFIX = { signature: 'Signature', deviceCredential: 'DeviceCredential' } as const;

/** `Signature|<AccessKeyId>|<InstanceId>` or `DeviceCredential|<DeviceAccessKeyId>|<InstanceId>`. */
export function mqttUsername(mode: keyof typeof USERNAME_PREFIX, accessKeyId: string, instanceId: string): string {
  return `${USERNAME_PREFIX[mode]}|${accessKeyId}|${instanceId}`;
}

export function computeMqttLogin(backend: Backend, input: SignatureHelperInput): MqttLogin {
  const { mode, accessKeyId, secret, instanceId, clientId } = parseInput(signatureHelperSchema, input);
  getInstance(backend, instanceId);
  return {
    clientId,
    username: mqttUsername(mode, accessKeyId, instanceId),
    password: hmacSha1Base64(secret, clientId),
  };
}
