import assert from 'node:assert/strict';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { loadConfig } from './config';

const saved = { ...process.env };

describe('configuration from MAGPIE_ variables', () => {
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (k.startsWith('MAGPIE_')) delete process.env[k];
    Object.assign(process.env, saved);
  });

  it('has the documented defaults', () => {
    for (const k of Object.keys(process.env)) if (k.startsWith('MAGPIE_')) delete process.env[k];
    const c = loadConfig();
    assert.equal(c.dataDir, path.resolve('data'));
    assert.equal(c.consolePort, 3000);
    assert.equal(c.publicHost, 'localhost');
    assert.equal(c.brokerBind, '0.0.0.0');
    assert.equal(c.tlsCertFile, undefined);
    assert.equal(c.adminPassword, undefined);
  });

  it('reads the TLS files, treating empty values as unset', () => {
    process.env.MAGPIE_TLS_CERT_FILE = '/c.pem';
    process.env.MAGPIE_TLS_KEY_FILE = '';
    const c = loadConfig();
    assert.equal(c.tlsCertFile, '/c.pem');
    assert.equal(c.tlsKeyFile, undefined);
  });

  it('reads the statistics sample interval (default 10 s) and refuses one out of range, naming the variable', () => {
    delete process.env.MAGPIE_TELEMETRY_SAMPLE_MS;
    assert.equal(loadConfig().telemetrySampleMs, 10_000);
    process.env.MAGPIE_TELEMETRY_SAMPLE_MS = '1000';
    assert.equal(loadConfig().telemetrySampleMs, 1000);
    for (const bad of ['10', 'fast', '1.5e9']) {
      process.env.MAGPIE_TELEMETRY_SAMPLE_MS = bad;
      assert.throws(() => loadConfig(), /MAGPIE_TELEMETRY_SAMPLE_MS must be a number of milliseconds/);
    }
  });

  it('refuses a console port that is not a port number, naming the variable', () => {
    process.env.MAGPIE_CONSOLE_PORT = '70000';
    assert.throws(() => loadConfig(), /MAGPIE_CONSOLE_PORT must be a port number/);
  });
});
