import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openSecretBox, SECRET_KEY_FILE } from './secret-box';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'magpie-box-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('secret box', () => {
  it('seals and opens a secret', () => {
    const box = openSecretBox(tempDir());
    for (const plain of ['s3cr3t-value', '', '密钥 🔑', 'x'.repeat(10_000)]) {
      const sealed = box.seal(plain);
      assert.equal(box.open(sealed), plain);
    }
  });

  it('the sealed form does not contain the secret and differs each time', () => {
    const box = openSecretBox(tempDir());
    const plain = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123';
    const a = box.seal(plain);
    const b = box.seal(plain);
    assert.notEqual(a, b);
    for (const sealed of [a, b]) {
      assert.match(sealed, /^v1:/);
      assert.ok(!sealed.includes(plain));
      assert.ok(!sealed.includes(Buffer.from(plain).toString('base64')));
    }
  });

  it('creates a 32-byte key file readable only by its owner, and keeps it', () => {
    const dir = path.join(tempDir(), 'nested', 'data');
    const sealed = openSecretBox(dir).seal('keep me');
    const file = path.join(dir, SECRET_KEY_FILE);
    const key = fs.readFileSync(file, 'utf8');
    assert.equal(Buffer.from(key.trim(), 'base64').length, 32);
    if (process.platform !== 'win32') assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    // A second process (a new box on the same directory) uses the same key.
    assert.equal(openSecretBox(dir).open(sealed), 'keep me');
    assert.equal(fs.readFileSync(file, 'utf8'), key);
  });

  it('another data directory (another key) cannot open it', () => {
    const sealed = openSecretBox(tempDir()).seal('secret');
    assert.throws(() => openSecretBox(tempDir()).open(sealed));
  });

  it('refuses tampered or malformed sealed values', () => {
    const box = openSecretBox(tempDir());
    const [v, iv, tag, body] = box.seal('secret').split(':') as [string, string, string, string];
    const flip = (b64: string) => {
      const buf = Buffer.from(b64, 'base64');
      buf[0]! ^= 1;
      return buf.toString('base64');
    };
    assert.throws(() => box.open([v, iv, tag, flip(body)].join(':')));
    assert.throws(() => box.open([v, iv, flip(tag), body].join(':')));
    assert.throws(() => box.open([v, flip(iv), tag, body].join(':')));
    assert.throws(() => box.open(['v2', iv, tag, body].join(':')), /not a sealed secret/);
    assert.throws(() => box.open('secret'), /not a sealed secret/);
    assert.throws(() => box.open(''), /not a sealed secret/);
  });

  it('refuses a key file that does not hold 32 bytes', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, SECRET_KEY_FILE), Buffer.alloc(16).toString('base64'));
    assert.throws(() => openSecretBox(dir), /32-byte key/);
  });
});
