/**
 * Every naming rule and limit of PRODUCT.md section 1, both sides of each boundary. A failure
 * is checked by the message key the user sees (lib/i18n), not just by failing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { z } from 'zod';
import { en } from './i18n/en';
import {
  accessKeyCreateSchema,
  accessKeyIdSchema,
  DEFAULT_SPEC,
  describeSchema,
  descriptionSchema,
  fieldErrorsOf,
  groupCreateSchema,
  groupNameSchema,
  groupRefSchema,
  instanceCreateSchema,
  instanceIdSchema,
  instanceNameSchema,
  instanceSpecSchema,
  instanceUpdateSchema,
  loginSchema,
  maxKeepAliveSchema,
  passwordSchema,
  publicHostSchema,
  setupSchema,
  SPEC_MAX_CONNECTIONS,
  SPEC_MAX_SUBSCRIPTIONS,
  SPEC_MAX_TPS,
  topicCreateSchema,
  topicNameSchema,
  topicRefSchema,
} from './schemas';

/** Parses and returns the output; fails the test with the issues when the parse fails. */
function accepts<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  assert.ok(r.success, `expected ${JSON.stringify(input)} to be accepted, got ${r.error && JSON.stringify(fieldErrorsOf(r.error))}`);
  return r.data;
}

/**
 * Asserts that the parse fails and that the message shown for `field` ('_' for a bare value) is
 * `key`, a key that exists in the English dictionary.
 */
function refuses(schema: z.ZodType, input: unknown, key: string, field = '_'): void {
  const r = schema.safeParse(input);
  assert.ok(!r.success, `expected ${JSON.stringify(input)} to be refused with ${key}`);
  assert.ok(key in en, `${key} is not a message key`);
  const errors = fieldErrorsOf(r.error);
  assert.equal(errors[field], key, `${JSON.stringify(input)}: field errors ${JSON.stringify(errors)}`);
}

const ID = 'mqtt-cn-abcdefghij';
const s = (n: number, c = 'a') => c.repeat(n);

describe('instance ID', () => {
  it('accepts mqtt-cn- + 10 to 14 lowercase letters or digits', () => {
    for (const id of ['mqtt-cn-abcdefghij', 'mqtt-cn-0123456789', 'mqtt-cn-abcdefgh1234', `mqtt-cn-${s(14, 'z')}`]) {
      accepts(instanceIdSchema, id);
    }
  });
  it('refuses 9 or 15 characters after the prefix', () => {
    refuses(instanceIdSchema, `mqtt-cn-${s(9)}`, 'v.instanceId.format');
    refuses(instanceIdSchema, `mqtt-cn-${s(15)}`, 'v.instanceId.format');
  });
  it('refuses upper case, other characters, another prefix and surrounding text', () => {
    for (const id of ['mqtt-cn-ABCDEFGHIJ', 'mqtt-cn-abcde_ghij', 'mqtt-us-abcdefghij', 'mqtt-cnabcdefghij', ` ${ID}`, `${ID}/x`, '']) {
      refuses(instanceIdSchema, id, 'v.instanceId.format');
    }
  });
  it('refuses a value that is not a string with the same key', () => {
    refuses(instanceIdSchema, undefined, 'v.instanceId.format');
    refuses(instanceIdSchema, 42, 'v.instanceId.format');
  });
});

describe('instance name', () => {
  it('accepts 3 and 64 characters', () => {
    assert.equal(accepts(instanceNameSchema, 'abc'), 'abc');
    accepts(instanceNameSchema, s(64));
  });
  it('refuses 2 and 65 characters', () => {
    refuses(instanceNameSchema, 'ab', 'v.instanceName.length');
    refuses(instanceNameSchema, s(65), 'v.instanceName.length');
    refuses(instanceNameSchema, '', 'v.instanceName.length');
  });
  it('accepts letters, digits, "-" and "_"', () => {
    accepts(instanceNameSchema, 'Az09_-');
    accepts(instanceNameSchema, '---');
    accepts(instanceNameSchema, '123');
  });
  it('refuses any other character', () => {
    for (const name of ['my demo', 'demo.1', 'demo/1', 'démo', 'demo!', 'de:mo', '实例名称']) {
      refuses(instanceNameSchema, name, 'v.instanceName.chars');
    }
  });
  it('trims surrounding white space before checking the length', () => {
    assert.equal(accepts(instanceNameSchema, '  demo \t'), 'demo');
    refuses(instanceNameSchema, '  ab  ', 'v.instanceName.length');
    assert.equal(accepts(instanceNameSchema, ` ${s(64)} `), s(64));
  });
  it('a missing name is refused as required', () => {
    refuses(instanceNameSchema, undefined, 'v.required');
    refuses(instanceCreateSchema, { ...DEFAULT_SPEC }, 'v.required', 'name');
  });
});

describe('instance spec', () => {
  const sets = [
    ['maxConnections', SPEC_MAX_CONNECTIONS, [100, 1000, 5000, 10000, 20000, 50000, 100000], [0, 99, 101, 2000, 200000]],
    ['maxTps', SPEC_MAX_TPS, [100, 500, 1000, 3000, 5000, 10000, 20000], [0, 50, 200, 2000, 40000]],
    ['maxSubscriptions', SPEC_MAX_SUBSCRIPTIONS, [1000, 10000, 50000, 100000, 200000, 500000, 1000000], [100, 999, 20000, 2000000]],
  ] as const;

  for (const [field, options, expected, wrong] of sets) {
    describe(field, () => {
      const key = `v.spec.${field}`;
      it('offers exactly the options of PRODUCT.md', () => {
        assert.deepEqual([...options], [...expected]);
      });
      it('accepts each option, as a number and as a numeric string', () => {
        for (const v of options) {
          assert.equal(accepts(instanceSpecSchema, { ...DEFAULT_SPEC, [field]: v })[field], v);
          assert.equal(accepts(instanceSpecSchema, { ...DEFAULT_SPEC, [field]: String(v) })[field], v);
        }
      });
      it('refuses values not in the list with its key', () => {
        for (const v of [...wrong, -100, 1000.5, '']) refuses(instanceSpecSchema, { ...DEFAULT_SPEC, [field]: v }, key, field);
      });
      it('refuses a missing or non-numeric value with its key', () => {
        const missing: Record<string, unknown> = { ...DEFAULT_SPEC };
        delete missing[field];
        refuses(instanceSpecSchema, missing, key, field);
        refuses(instanceSpecSchema, { ...DEFAULT_SPEC, [field]: 'many' }, key, field);
        refuses(instanceSpecSchema, { ...DEFAULT_SPEC, [field]: null }, key, field);
      });
    });
  }

  it('the default spec is made of listed options', () => {
    accepts(instanceSpecSchema, DEFAULT_SPEC);
  });
});

describe('instance create and update', () => {
  it('create: name + spec, open mode off unless asked', () => {
    const out = accepts(instanceCreateSchema, { name: ' demo ', ...DEFAULT_SPEC });
    assert.deepEqual(out, { name: 'demo', ...DEFAULT_SPEC, openMode: false, maxKeepAlive: 0 });
    assert.equal(accepts(instanceCreateSchema, { name: 'demo', ...DEFAULT_SPEC, openMode: true }).openMode, true);
  });
  it('create: each field reports its own key', () => {
    const r = instanceCreateSchema.safeParse({ name: 'a b', maxConnections: 7, maxTps: 7, maxSubscriptions: 7 });
    assert.ok(!r.success);
    assert.deepEqual(fieldErrorsOf(r.error), {
      name: 'v.instanceName.chars',
      maxConnections: 'v.spec.maxConnections',
      maxTps: 'v.spec.maxTps',
      maxSubscriptions: 'v.spec.maxSubscriptions',
    });
  });
  it('update: every field but the ID is optional, and each is checked when given', () => {
    assert.deepEqual(accepts(instanceUpdateSchema, { id: ID }), { id: ID });
    assert.deepEqual(accepts(instanceUpdateSchema, { id: ID, maxTps: '500' }), { id: ID, maxTps: 500 });
    refuses(instanceUpdateSchema, { id: 'demo' }, 'v.instanceId.format', 'id');
    refuses(instanceUpdateSchema, { id: ID, name: 'x' }, 'v.instanceName.length', 'name');
    refuses(instanceUpdateSchema, { id: ID, maxConnections: 3 }, 'v.spec.maxConnections', 'maxConnections');
  });
});

describe('maximum keep-alive', () => {
  it('accepts whole seconds from 0 (no cap) to 65535, also as text', () => {
    assert.equal(accepts(maxKeepAliveSchema, 0), 0);
    assert.equal(accepts(maxKeepAliveSchema, 65535), 65535);
    assert.equal(accepts(maxKeepAliveSchema, '60'), 60);
  });
  it('refuses negative, too large, fractional and non-numeric values', () => {
    for (const bad of [-1, 65536, 1.5, 'abc', Number.NaN]) refuses(maxKeepAliveSchema, bad, 'v.maxKeepAlive');
  });
  it('is optional on update and checked when given', () => {
    assert.equal(accepts(instanceUpdateSchema, { id: ID, maxKeepAlive: 60 }).maxKeepAlive, 60);
    refuses(instanceUpdateSchema, { id: ID, maxKeepAlive: -5 }, 'v.maxKeepAlive', 'maxKeepAlive');
  });
});

describe('parent topic name', () => {
  it('accepts 3 and 64 characters of letters, digits, "-" and "_"', () => {
    accepts(topicNameSchema, 'abc');
    accepts(topicNameSchema, s(64, 'T'));
    accepts(topicNameSchema, 'Orders_2024-eu');
  });
  it('refuses 2 and 65 characters', () => {
    refuses(topicNameSchema, 'ab', 'v.topicName.length');
    refuses(topicNameSchema, s(65), 'v.topicName.length');
    refuses(topicNameSchema, '', 'v.topicName.length');
  });
  it('refuses "/" (subtopics need no creation), wildcards and other characters', () => {
    for (const name of ['Orders/eu', '/Orders', 'Orders/', 'Ord+', 'Ord#', 'Ord ers', 'Ord.ers', '$SYS']) {
      refuses(topicNameSchema, name, 'v.topicName.chars');
    }
  });
  it('trims surrounding white space', () => {
    assert.equal(accepts(topicNameSchema, ' Orders '), 'Orders');
    refuses(topicNameSchema, ' ab ', 'v.topicName.length');
  });
  it('topic create: instance ID, name and an optional description', () => {
    assert.deepEqual(accepts(topicCreateSchema, { instanceId: ID, name: 'Orders' }), {
      instanceId: ID,
      name: 'Orders',
      description: '',
    });
    refuses(topicCreateSchema, { instanceId: 'x', name: 'Orders' }, 'v.instanceId.format', 'instanceId');
    refuses(topicCreateSchema, { instanceId: ID, name: 'a/b' }, 'v.topicName.chars', 'name');
    refuses(topicCreateSchema, { instanceId: ID }, 'v.required', 'name');
  });
});

describe('Group ID', () => {
  it('accepts the GID_ and GID- prefixes', () => {
    accepts(groupNameSchema, 'GID_abc');
    accepts(groupNameSchema, 'GID-abc');
    accepts(groupNameSchema, 'GID__-_');
  });
  it('refuses any other prefix (case matters)', () => {
    for (const name of ['gid_abcd', 'GIDabcd', 'GID.abcd', 'XGID_abc', 'G_abcdef', 'abcdefgh', '', 'GID']) {
      refuses(groupNameSchema, name, 'v.groupName.prefix');
    }
  });
  it('is 7-64 characters long, prefix included', () => {
    accepts(groupNameSchema, 'GID_abc');
    refuses(groupNameSchema, 'GID_ab', 'v.groupName.length');
    refuses(groupNameSchema, 'GID_', 'v.groupName.length');
    accepts(groupNameSchema, `GID_${s(60)}`);
    refuses(groupNameSchema, `GID_${s(61)}`, 'v.groupName.length');
  });
  it('refuses characters other than letters, digits, "-" and "_"', () => {
    for (const name of ['GID_a/b/c', 'GID_abc def', 'GID_abc.d', 'GID_abc@@@x', 'GID_组名称测试']) {
      refuses(groupNameSchema, name, 'v.groupName.chars');
    }
  });
  it('trims surrounding white space', () => {
    assert.equal(accepts(groupNameSchema, '  GID_abc '), 'GID_abc');
    refuses(groupNameSchema, ' GID_ab ', 'v.groupName.length');
  });
  it('group create checks the Group ID rules', () => {
    assert.equal(accepts(groupCreateSchema, { instanceId: ID, name: 'GID-demo' }).name, 'GID-demo');
    refuses(groupCreateSchema, { instanceId: ID, name: 'demo123' }, 'v.groupName.prefix', 'name');
  });
});

describe('description', () => {
  it('defaults to empty and is trimmed', () => {
    assert.equal(accepts(descriptionSchema, undefined), '');
    assert.equal(accepts(descriptionSchema, '  hello  '), 'hello');
  });
  it('accepts 256 characters and refuses 257', () => {
    accepts(descriptionSchema, s(256));
    refuses(descriptionSchema, s(257), 'v.description.length');
    // Length is counted after trimming.
    accepts(descriptionSchema, ` ${s(256)} `);
  });
  it('applies to topics, groups, AccessKeys and describe', () => {
    refuses(topicCreateSchema, { instanceId: ID, name: 'abc', description: s(257) }, 'v.description.length', 'description');
    refuses(groupCreateSchema, { instanceId: ID, name: 'GID_abc', description: s(257) }, 'v.description.length', 'description');
    refuses(accessKeyCreateSchema, { description: s(257) }, 'v.description.length', 'description');
    refuses(describeSchema, { instanceId: ID, name: 'abc', description: s(257) }, 'v.description.length', 'description');
    assert.deepEqual(accepts(accessKeyCreateSchema, {}), { description: '' });
  });
});

describe('topic and group references', () => {
  it('need an instance ID and a name', () => {
    accepts(topicRefSchema, { instanceId: ID, name: 'Orders' });
    accepts(groupRefSchema, { instanceId: ID, name: 'GID_abc' });
    refuses(topicRefSchema, { instanceId: ID, name: '' }, 'v.required', 'name');
    refuses(topicRefSchema, { instanceId: ID }, 'v.required', 'name');
    refuses(topicRefSchema, { instanceId: 'nope', name: 'abc' }, 'v.instanceId.format', 'instanceId');
  });
  it('describe carries only the description as a change', () => {
    const out = accepts(describeSchema, { instanceId: ID, name: 'Orders', description: ' new ', newName: 'Other' });
    assert.deepEqual(out, { instanceId: ID, name: 'Orders', description: 'new' });
  });
});

describe('AccessKey ID', () => {
  it('accepts LTAI + 16 to 24 letters or digits', () => {
    accepts(accessKeyIdSchema, `LTAI${s(16, 'A')}`);
    accepts(accessKeyIdSchema, `LTAI${s(24, '9')}`);
    accepts(accessKeyIdSchema, 'LTAIaB3dE5gH7jK9mN1pQ3sT');
  });
  it('refuses 15 or 25 characters, other characters and another prefix', () => {
    for (const id of [`LTAI${s(15)}`, `LTAI${s(25)}`, `LTAI${s(15)}_`, `ltai${s(20)}`, `AKID${s(20)}`, `LTAI${s(19)}-`, '']) {
      refuses(accessKeyIdSchema, id, 'v.accessKeyId.format');
    }
  });
  it('refuses a value that is not a string with the same key', () => {
    refuses(accessKeyIdSchema, undefined, 'v.accessKeyId.format');
  });
});

describe('passwords', () => {
  it('is 8-256 characters long', () => {
    accepts(passwordSchema, s(8));
    accepts(passwordSchema, s(256));
    refuses(passwordSchema, s(7), 'v.password.length');
    refuses(passwordSchema, s(257), 'v.password.length');
    refuses(passwordSchema, '', 'v.password.length');
  });
  it('is not trimmed (spaces are part of a password)', () => {
    assert.equal(accepts(passwordSchema, '  secret  '), '  secret  ');
  });
  it('setup: the confirmation must match, reported on the confirmation field', () => {
    accepts(setupSchema, { password: 'abcdefgh', confirm: 'abcdefgh' });
    refuses(setupSchema, { password: 'abcdefgh', confirm: 'abcdefgi' }, 'v.password.mismatch', 'confirm');
    refuses(setupSchema, { password: 'abc', confirm: 'abc' }, 'v.password.length', 'password');
    refuses(setupSchema, { password: 'abcdefgh' }, 'v.required', 'confirm');
  });
  it('login: username and password are required', () => {
    assert.deepEqual(accepts(loginSchema, { username: ' admin ', password: 'x' }), { username: 'admin', password: 'x' });
    refuses(loginSchema, { username: '  ', password: 'x' }, 'v.required', 'username');
    refuses(loginSchema, { username: 'admin', password: '' }, 'v.required', 'password');
    refuses(loginSchema, {}, 'v.required', 'username');
    refuses(loginSchema, {}, 'v.required', 'password');
  });
});

describe('public host', () => {
  it('accepts host names, IPv4 and bracketed IPv6 addresses, trimmed', () => {
    for (const host of ['localhost', 'mqtt.example.com', 'a', 'my-host.local', '192.168.1.10', '[::1]', '[2001:db8::1]', 'XN--fsq.com']) {
      accepts(publicHostSchema, host);
    }
    assert.equal(accepts(publicHostSchema, ' mqtt.example.com '), 'mqtt.example.com');
  });
  it('refuses an empty host as required', () => {
    refuses(publicHostSchema, '', 'v.required');
    refuses(publicHostSchema, '   ', 'v.required');
  });
  it('refuses URLs, ports, paths, spaces, bad labels and too long names', () => {
    for (const host of [
      'mqtt://example.com',
      'example.com:1883',
      'example.com/mqtt',
      'exa mple.com',
      '-example.com',
      'example-.com',
      'example..com',
      'example.com.',
      'under_score.com',
      '[zz::1]',
      `${s(63)}.${s(63)}.${s(63)}.${s(63)}`,
    ]) {
      refuses(publicHostSchema, host, 'v.host.format');
    }
  });
});

describe('fieldErrorsOf', () => {
  it('keeps the first message per field', () => {
    const r = groupNameSchema.safeParse('x/');
    assert.ok(!r.success);
    assert.ok(r.error.issues.length > 1);
    assert.deepEqual(fieldErrorsOf(r.error), { _: 'v.groupName.prefix' });
  });
});
