/**
 * The certificate of the TLS and secure WebSocket listeners.
 *
 * The user's own certificate and key (MAGPIE_TLS_CERT_FILE and MAGPIE_TLS_KEY_FILE, both PEM)
 * are used when configured; anything wrong with them is an error that says what and where.
 * Otherwise a self-signed certificate is generated once into `<dataDir>/tls/server.crt` and
 * `server.key` (mode 0600), for localhost, 127.0.0.1, ::1 and this machine's hostname, valid
 * for ten years, and reused on later starts.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { generate } from 'selfsigned';

export interface CertificateFiles {
  /** PEM certificate (chain) file; requires keyFile. */
  certFile?: string;
  /** PEM private key file (unencrypted); requires certFile. */
  keyFile?: string;
}

export interface ServerCertificate {
  /** PEM private key. */
  key: string;
  /** PEM certificate (chain). */
  cert: string;
  certFile: string;
  keyFile: string;
  /** 'configured': the user's files; 'generated': made just now; 'existing': generated on an earlier start. */
  source: 'configured' | 'generated' | 'existing';
  /** SHA-256 fingerprint, `AB:CD:…`, for clients that pin it. */
  fingerprint256: string;
  validTo: Date;
}

export class CertificateError extends Error {
  override name = 'CertificateError';
}

const GENERATED_VALIDITY_YEARS = 10;
/** A generated certificate this close to expiry is replaced at start. */
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

export async function loadOrCreateCertificate(dataDir: string, files: CertificateFiles = {}): Promise<ServerCertificate> {
  const { certFile, keyFile } = files;
  if (certFile || keyFile) {
    if (!certFile || !keyFile) {
      throw new CertificateError(
        `TLS: a ${certFile ? 'certificate' : 'key'} file is configured without a ${certFile ? 'key' : 'certificate'} file; ` +
          'set both MAGPIE_TLS_CERT_FILE and MAGPIE_TLS_KEY_FILE, or neither for a generated self-signed certificate',
      );
    }
    const certPath = path.resolve(certFile);
    const keyPath = path.resolve(keyFile);
    // One after the other: with both files missing, the error always names the certificate
    // (in parallel it named whichever read failed first).
    const cert = await readText(certPath, 'certificate');
    const key = await readText(keyPath, 'key');
    const checked = check(cert, certPath, key, keyPath);
    if (checked.validTo.getTime() < Date.now()) {
      console.warn(`TLS: the certificate in ${certPath} expired on ${checked.validTo.toISOString()}`);
    }
    return { key, cert, certFile: certPath, keyFile: keyPath, source: 'configured', ...checked };
  }

  const dir = path.join(path.resolve(dataDir), 'tls');
  const certPath = path.join(dir, 'server.crt');
  const keyPath = path.join(dir, 'server.key');
  const existing = await loadGenerated(certPath, keyPath);
  if (existing) return existing;

  const { cert, key } = await generateSelfSigned();
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  // Key first: a certificate file is only ever next to its own key.
  await writeAtomically(keyPath, key, 0o600);
  await writeAtomically(certPath, cert, 0o644);
  return { key, cert, certFile: certPath, keyFile: keyPath, source: 'generated', ...check(cert, certPath, key, keyPath) };
}

/** A previously generated pair, unless it is missing, broken or about to expire. */
async function loadGenerated(certPath: string, keyPath: string): Promise<ServerCertificate | null> {
  let cert: string;
  let key: string;
  try {
    [cert, key] = await Promise.all([fs.readFile(certPath, 'utf8'), fs.readFile(keyPath, 'utf8')]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CertificateError(`TLS: cannot read the generated certificate in ${path.dirname(certPath)}: ${(err as Error).message}`);
  }
  try {
    const checked = check(cert, certPath, key, keyPath);
    if (checked.validTo.getTime() - Date.now() < RENEW_BEFORE_MS) {
      console.warn(`TLS: the self-signed certificate in ${certPath} expires on ${checked.validTo.toISOString()}; generating a new one`);
      return null;
    }
    return { key, cert, certFile: certPath, keyFile: keyPath, source: 'existing', ...checked };
  } catch (err) {
    console.warn(`TLS: replacing the unusable self-signed certificate in ${path.dirname(certPath)}: ${(err as Error).message}`);
    return null;
  }
}

async function generateSelfSigned(): Promise<{ cert: string; key: string }> {
  const hostname = os.hostname();
  const altNames: { type: 2 | 7; value?: string; ip?: string }[] = [
    { type: 2, value: 'localhost' },
    { type: 7, ip: '127.0.0.1' },
    { type: 7, ip: '::1' },
  ];
  if (hostname && hostname !== 'localhost') {
    if (net.isIP(hostname)) altNames.push({ type: 7, ip: hostname });
    else if (/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(hostname)) altNames.push({ type: 2, value: hostname });
  }
  const now = Date.now();
  const notBeforeDate = new Date(now - 24 * 3600 * 1000); // tolerate clients whose clock is behind
  const notAfterDate = new Date(now);
  notAfterDate.setFullYear(notAfterDate.getFullYear() + GENERATED_VALIDITY_YEARS);
  const pems = await generate(
    [
      { name: 'commonName', value: hostname && !net.isIP(hostname) ? hostname : 'localhost' },
      { name: 'organizationName', value: 'Magpie MQTT (self-signed)' },
    ],
    {
      keyType: 'rsa', // the most widely supported by MQTT client stacks
      keySize: 2048,
      algorithm: 'sha256',
      notBeforeDate,
      notAfterDate,
      extensions: [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames },
      ],
    },
  );
  return { cert: pems.cert, key: pems.private };
}

async function readText(file: string, what: 'certificate' | 'key'): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new CertificateError(`TLS: cannot read the ${what} file ${file}: ${reason}`);
  }
}

/** Parses and cross-checks a certificate and key; throws a CertificateError naming the file at fault. */
function check(cert: string, certPath: string, key: string, keyPath: string): { fingerprint256: string; validTo: Date } {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new CertificateError(`TLS: ${certPath} does not hold a PEM certificate (${(err as Error).message})`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    const encrypted = /ENCRYPTED/.test(key);
    throw new CertificateError(
      `TLS: ${keyPath} does not hold a usable PEM private key (${encrypted ? 'encrypted keys are not supported' : (err as Error).message})`,
    );
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new CertificateError(`TLS: the key in ${keyPath} does not match the certificate in ${certPath}`);
  }
  try {
    tls.createSecureContext({ key, cert });
  } catch (err) {
    throw new CertificateError(`TLS: ${certPath} and ${keyPath} cannot be used together: ${(err as Error).message}`);
  }
  return { fingerprint256: x509.fingerprint256, validTo: new Date(x509.validTo) };
}

async function writeAtomically(file: string, content: string, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, content, { mode });
  await fs.chmod(tmp, mode); // whatever the umask
  await fs.rename(tmp, file);
}
