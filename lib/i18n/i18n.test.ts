import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { en } from './en';
import { dictionaries, isLocale, LOCALES, translate } from './index';
import { zh } from './zh';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('dictionaries', () => {
  it('en and zh have exactly the same keys', () => {
    assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
  });

  it('every locale is registered', () => {
    assert.deepEqual([...LOCALES].sort(), Object.keys(dictionaries).sort());
  });

  it('no text is empty', () => {
    for (const locale of LOCALES) {
      for (const [key, text] of Object.entries(dictionaries[locale])) {
        assert.ok(text.trim().length > 0, `${locale} ${key} is empty`);
      }
    }
  });

  it('each key has the same {placeholders} in every language', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      assert.deepEqual(placeholders(zh[key] ?? ''), placeholders(en[key]), `placeholders of ${key}`);
    }
  });

  it('zh validation and error messages are translated (Chinese text, not English copies)', () => {
    const messages = (Object.keys(en) as (keyof typeof en)[]).filter((k) => k.startsWith('v.') || k.startsWith('e.'));
    assert.ok(messages.length > 0);
    for (const key of messages) {
      assert.match(zh[key] ?? '', /[\u4e00-\u9fff]/, `zh ${key} has no Chinese characters`);
    }
  });
});

describe('translate', () => {
  it('looks a key up in the chosen language', () => {
    assert.equal(translate('en', 'v.required'), en['v.required']);
    assert.equal(translate('zh', 'v.required'), zh['v.required']);
  });

  it('fills {placeholders} with the params', () => {
    assert.equal(
      translate('en', 'e.notFound.topic', { name: 'Orders', instanceId: 'mqtt-cn-abcdefghij' }),
      'Parent topic "Orders" does not exist in instance "mqtt-cn-abcdefghij".',
    );
    assert.equal(translate('en', 'e.tooManyAttempts', { seconds: 4 }), 'Too many failed logins. Try again in 4 s.');
    assert.ok(translate('zh', 'e.tooManyAttempts', { seconds: 4 }).includes('4'));
    assert.ok(!translate('zh', 'e.tooManyAttempts', { seconds: 4 }).includes('{seconds}'));
  });

  it('leaves a placeholder without a param as it is', () => {
    assert.equal(translate('en', 'e.notFound.instance', {}), 'Instance "{id}" does not exist.');
    assert.equal(translate('en', 'e.notFound.instance'), 'Instance "{id}" does not exist.');
  });

  it('returns text that is not a key unchanged (plain server messages)', () => {
    assert.equal(translate('zh', 'Something odd happened'), 'Something odd happened');
    assert.equal(translate('en', 'Not logged in'), 'Not logged in');
  });

  it('falls back to English for a key missing in the chosen language', () => {
    const dict = dictionaries.zh as Record<string, string>;
    const enDict = en as Record<string, string>;
    const key = 'test.onlyInEnglish';
    enDict[key] = 'Only {what} in English';
    try {
      assert.equal(translate('zh', key, { what: 'this' }), 'Only this in English');
      assert.equal(dict[key], undefined);
    } finally {
      delete enDict[key];
    }
  });
});

describe('isLocale', () => {
  it('accepts en and zh only', () => {
    assert.ok(isLocale('en'));
    assert.ok(isLocale('zh'));
    for (const v of ['fr', 'EN', '', undefined, null, 1]) assert.ok(!isLocale(v));
  });
});
