import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalParams, hmacSha1Base64, signaturesMatch, signParams } from './signatures';

describe('cloud-compatible signatures', () => {
  it('matches HMAC-SHA1 test vector (RFC 2202 case 2) in Base64', () => {
    // key "Jefe", data "what do ya want for nothing?" → effcdf6ae5eb2fa2d27416d5f184df9c259a7c79
    assert.equal(hmacSha1Base64('Jefe', 'what do ya want for nothing?'), Buffer.from('effcdf6ae5eb2fa2d27416d5f184df9c259a7c79', 'hex').toString('base64'));
  });

  it('signs parameters sorted by key and joined with &', () => {
    assert.equal(canonicalParams({ timestamp: '2', accessKey: 'ak', resource: 'GID_a@@@1', instanceId: 'i' }), 'accessKey=ak&instanceId=i&resource=GID_a@@@1&timestamp=2');
    assert.equal(signParams('s', { b: '2', a: '1' }), hmacSha1Base64('s', 'a=1&b=2'));
  });

  it('compares signatures exactly', () => {
    assert.ok(signaturesMatch('abc=', 'abc='));
    assert.ok(signaturesMatch('abc=', Buffer.from('abc=')));
    assert.ok(!signaturesMatch('abc=', 'abd='));
    assert.ok(!signaturesMatch('abc=', 'abc'));
    assert.ok(!signaturesMatch('abc=', undefined));
  });
});
