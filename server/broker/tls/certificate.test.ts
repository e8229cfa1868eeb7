/**
 * The listeners' certificate: generated once into the data directory and reused, or the
 * user's own files, with a clear error when those are unusable.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generate } from 'selfsigned';
import { Broker } from '../broker';
import { connectClient, endClient, HOST } from '../testing/helpers';
import { CertificateError, loadOrCreateCertificate } from './certificate';

let tmp: string;
before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'magpie-cert-'));
});
after(() => fs.rm(tmp, { recursive: true, force: true }));

/** A key and certificate pair written as PEM files, like a user's own. */
async function userPair(name: string, commonName: string): Promise<{ certFile: string; keyFile: string; cert: string; key: string }> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  const certFile = path.join(tmp, `${name}.crt`);
  const keyFile = path.join(tmp, `${name}.key`);
  await fs.writeFile(certFile, pems.cert);
  await fs.writeFile(keyFile, pems.private);
  return { certFile, keyFile, cert: pems.cert, key: pems.private };
}

describe('generated certificate', () => {
  it('is generated once into <dataDir>/tls and reused on later starts', async () => {
    const dataDir = path.join(tmp, 'data');
    const first = await loadOrCreateCertificate(dataDir);
    assert.equal(first.source, 'generated');
    assert.equal(first.certFile, path.join(dataDir, 'tls', 'server.crt'));
    assert.equal(first.keyFile, path.join(dataDir, 'tls', 'server.key'));
    assert.equal((await fs.stat(first.keyFile)).mode & 0o777, 0o600);

    const x509 = new X509Certificate(first.cert);
    const sans = x509.subjectAltName ?? '';
    for (const name of ['DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1', `DNS:${os.hostname()}`]) {
      assert.ok(sans.includes(name), `${name} in ${sans}`);
    }
    const years = (new Date(x509.validTo).getTime() - Date.now()) / (365.25 * 24 * 3600 * 1000);
    assert.ok(years > 9.9 && years < 10.1, `valid for ${years} years`);

    const second = await loadOrCreateCertificate(dataDir);
    assert.equal(second.source, 'existing');
    assert.equal(second.fingerprint256, first.fingerprint256);
    assert.equal(second.key, first.key);
  });

  it('is replaced when the stored files are unusable', async () => {
    const dataDir = path.join(tmp, 'broken');
    const first = await loadOrCreateCertificate(dataDir);
    await fs.writeFile(first.certFile, 'garbage');
    const warn = console.warn;
    console.warn = () => {};
    try {
      const second = await loadOrCreateCertificate(dataDir);
      assert.equal(second.source, 'generated');
      assert.notEqual(second.fingerprint256, first.fingerprint256);
      assert.equal((await loadOrCreateCertificate(dataDir)).fingerprint256, second.fingerprint256);
    } finally {
      console.warn = warn;
    }
  });
});

describe('user certificate', () => {
  it('uses the configured files, and the listeners serve them', async () => {
    const pair = await userPair('mine', 'broker.example');
    const dataDir = path.join(tmp, 'user-data');
    const cert = await loadOrCreateCertificate(dataDir, { certFile: pair.certFile, keyFile: pair.keyFile });
    assert.equal(cert.source, 'configured');
    assert.equal(cert.cert, pair.cert);
    assert.equal(cert.key, pair.key);
    assert.equal(cert.fingerprint256, new X509Certificate(pair.cert).fingerprint256);
    await assert.rejects(fs.access(path.join(dataDir, 'tls')), 'nothing is generated');

    const broker = new Broker();
    try {
      const { port } = await broker.listen({ kind: 'tls', port: 0, host: HOST, tls: cert });
      const c = await connectClient(port, { protocol: 'mqtts', ca: pair.cert, rejectUnauthorized: true, clientId: 'user-cert' });
      const peer = (c.stream as unknown as import('node:tls').TLSSocket).getPeerCertificate();
      assert.equal(peer.fingerprint256, cert.fingerprint256);
      await endClient(c);
    } finally {
      await broker.close();
    }
  });

  it('gives a clear error for missing, unreadable, malformed or mismatched files', async () => {
    const a = await userPair('a', 'a.example');
    const b = await userPair('b', 'b.example');
    const missing = path.join(tmp, 'nope.pem');
    const garbage = path.join(tmp, 'garbage.pem');
    await fs.writeFile(garbage, 'this is not PEM\n');

    const cases: [string, { certFile?: string; keyFile?: string }, RegExp][] = [
      ['missing certificate', { certFile: missing, keyFile: a.keyFile }, /cannot read the certificate file .*nope\.pem: no such file/],
      ['missing key', { certFile: a.certFile, keyFile: missing }, /cannot read the key file .*nope\.pem: no such file/],
      ['a directory', { certFile: tmp, keyFile: a.keyFile }, /cannot read the certificate file/],
      ['only a certificate', { certFile: a.certFile }, /certificate file is configured without a key file.*MAGPIE_TLS_KEY_FILE/],
      ['only a key', { keyFile: a.keyFile }, /key file is configured without a certificate file/],
      ['not a certificate', { certFile: garbage, keyFile: a.keyFile }, /garbage\.pem does not hold a PEM certificate/],
      ['not a key', { certFile: a.certFile, keyFile: garbage }, /garbage\.pem does not hold a usable PEM private key/],
      ['key and certificate swapped', { certFile: a.keyFile, keyFile: a.certFile }, /does not hold a PEM certificate/],
      ['mismatched pair', { certFile: a.certFile, keyFile: b.keyFile }, /the key in .*b\.key does not match the certificate in .*a\.crt/],
    ];
    for (const [what, files, message] of cases) {
      await assert.rejects(loadOrCreateCertificate(path.join(tmp, 'unused'), files), (err: Error) => {
        assert.ok(err instanceof CertificateError, `${what}: ${err}`);
        assert.match(err.message, message, what);
        return true;
      });
    }
  });
});
