import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword, verifyPassword } from './password';

describe('password hashing', () => {
  it('stores scrypt$N$r$p$salt$hash, never the password', async () => {
    const stored = await hashPassword('correct-horse');
    const parts = stored.split('$');
    assert.equal(parts.length, 6);
    assert.deepEqual(parts.slice(0, 4), ['scrypt', '16384', '8', '1']);
    assert.equal(Buffer.from(parts[4]!, 'base64').length, 16);
    assert.equal(Buffer.from(parts[5]!, 'base64').length, 32);
    assert.ok(!stored.includes('correct-horse'));
  });

  it('salts each hash', async () => {
    assert.notEqual(await hashPassword('same password'), await hashPassword('same password'));
  });

  it('verifies the right password and refuses others', async () => {
    const stored = await hashPassword('correct-horse');
    assert.equal(await verifyPassword('correct-horse', stored), true);
    assert.equal(await verifyPassword('correct-hors', stored), false);
    assert.equal(await verifyPassword('Correct-horse', stored), false);
    assert.equal(await verifyPassword('', stored), false);
  });

  it('handles non-ASCII passwords', async () => {
    const stored = await hashPassword('密码-pässwörd-🔑');
    assert.equal(await verifyPassword('密码-pässwörd-🔑', stored), true);
    assert.equal(await verifyPassword('密码-passwörd-🔑', stored), false);
  });

  it('refuses stored values that are not scrypt hashes', async () => {
    assert.equal(await verifyPassword('x', ''), false);
    assert.equal(await verifyPassword('x', 'plain-text'), false);
    assert.equal(await verifyPassword('x', 'bcrypt$1$2$3$c2FsdA==$aGFzaA=='), false);
  });
});
