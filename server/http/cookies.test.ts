import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SESSION_COOKIE } from '../auth/accounts';
import { clientAddress, readCookie, sessionCookie } from './cookies';

describe('session cookie', () => {
  it('is httpOnly, SameSite, for the whole site, with an expiry', () => {
    const before = Date.now();
    const cookie = sessionCookie('tok-en_1', 3600, false);
    const parts = cookie.split('; ');
    assert.equal(parts[0], `${SESSION_COOKIE}=tok-en_1`);
    assert.ok(parts.includes('HttpOnly'));
    assert.ok(parts.includes('SameSite=Lax'));
    assert.ok(parts.includes('Path=/'));
    assert.ok(parts.includes('Max-Age=3600'));
    assert.ok(!parts.includes('Secure'));
    const expires = parts.find((p) => p.startsWith('Expires='));
    assert.ok(expires);
    const at = Date.parse(expires.slice('Expires='.length));
    assert.ok(at >= Math.floor(before / 1000) * 1000 + 3600_000 - 1000 && at <= Date.now() + 3600_000);
  });

  it('is Secure over https', () => {
    assert.ok(sessionCookie('t', 60, true).split('; ').includes('Secure'));
  });

  it('maxAge 0 clears it', () => {
    const cookie = sessionCookie('', 0, false);
    assert.ok(cookie.startsWith(`${SESSION_COOKIE}=;`));
    assert.ok(cookie.includes('Max-Age=0'));
    assert.ok(!cookie.includes('Expires='));
  });
});

describe('readCookie', () => {
  it('finds a cookie among others', () => {
    assert.equal(readCookie('a=1; magpie_session=abc; b=2', 'magpie_session'), 'abc');
    assert.equal(readCookie('magpie_session=abc', 'magpie_session'), 'abc');
    assert.equal(readCookie('x_magpie_session=1;magpie_session=two', 'magpie_session'), 'two');
    assert.equal(readCookie('v=a%20b', 'v'), 'a b');
    assert.equal(readCookie('v=a=b', 'v'), 'a=b');
  });

  it('is undefined when absent', () => {
    assert.equal(readCookie(undefined, 'a'), undefined);
    assert.equal(readCookie(null, 'a'), undefined);
    assert.equal(readCookie('', 'a'), undefined);
    assert.equal(readCookie('b=1', 'a'), undefined);
  });

  it('a malformed value does not throw (the request is just not logged in)', () => {
    assert.doesNotThrow(() => readCookie('magpie_session=%E0%A4%A', 'magpie_session'));
    assert.equal(readCookie('magpie_session=%E0%A4%A', 'magpie_session'), undefined);
  });
});

describe('clientAddress', () => {
  it('is the address the launcher set', () => {
    assert.equal(clientAddress(new Headers({ 'x-magpie-remote-address': '10.1.2.3' })), '10.1.2.3');
    assert.equal(clientAddress(new Headers()), 'unknown');
  });
});
