/** The report: one table per scenario with every broker's figure and ours/theirs ratios, and the targets of issue 3. */
import { LATENCY_ONLY, type BrokerName } from './lib/brokers';
import { num, ratio, ratioValue, table } from './lib/report';
import type { Options } from './options';
import { BACKLOG, QUIET_PCT, type BacklogResult, type IdleResult, type Measured, type PerBroker, type ThroughputCase } from './scenarios';

export interface Target {
  what: string;
  met: boolean | null;
  detail: string;
}

export function ok<T>(v: T | { error: string } | undefined): T | null {
  return v && !(typeof v === 'object' && v !== null && 'error' in v) ? (v as T) : null;
}

export function render(
  results: {
    idle?: PerBroker<IdleResult>;
    throughput?: { case: ThroughputCase; results: PerBroker<Measured> }[];
    latency?: { rate: number; results: PerBroker<Measured> }[];
    persistent?: { online: PerBroker<Measured>; backlog: PerBroker<BacklogResult> };
  },
  names: BrokerName[],
  machine: { cpus: number; cpuModel: string; memoryGB: number; kernel: string; node: string; brokers: Record<string, { version: string }> },
  opts: Options,
  noisy: string[],
  /** Runs that failed the first time (each was run once more at the end of its phase). */
  failedOnce: string[] = [],
): { text: string; targets: Target[] } {
  const others = names.filter((n) => n !== 'ours');
  const out: string[] = [];
  const targets: Target[] = [];
  out.push(
    `Machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGB} GB, ${machine.kernel}; Node ${machine.node}; ` +
      names.map((n) => machine.brokers[n].version).join('; ') +
      `. ${opts.workers} load-generator processes; each run measured ${opts.durationMs / 1000} s (fixed-rate latency: ${opts.latencyRounds} run${opts.latencyRounds > 1 ? 's' : ''} of ${opts.latencyMs / 1000} s per broker and rate${opts.latencyRounds > 1 ? ', interleaved' : ''}) after ${opts.warmupMs / 1000} s warm-up; fresh broker processes for each phase.`,
    '',
  );
  const headers = (metric: string) => ['scenario', ...names.map((n) => `${n} ${metric}`), ...others.map((o) => `ours/${o}`)];
  const row = (label: string, per: PerBroker<unknown>, get: (v: never) => number, digits = 3, cols = names) => {
    const vals = cols.map((n) => {
      const v = ok(per[n]);
      return v === null ? null : get(v as never);
    });
    const ours = vals[cols.indexOf('ours')];
    return [label, ...vals.map((v) => num(v, digits)), ...cols.filter((n) => n !== 'ours').map((o) => ratio(ours, vals[cols.indexOf(o)]))];
  };

  if (results.idle) {
    const per = results.idle;
    out.push(
      table('Idle connections: broker RSS per connection (lower is better)', ['', ...names, ...others.map((o) => `ours/${o}`)], [
        row('connections opened', per, (r: IdleResult) => r.connections, 6).slice(0, names.length + 1),
        row('RSS before, MB', per, (r: IdleResult) => r.rssBeforeBytes / 2 ** 20),
        row('RSS after, MB', per, (r: IdleResult) => r.rssAfterBytes / 2 ** 20),
        row('KB per connection', per, (r: IdleResult) => r.bytesPerConnection / 1024),
        ...(ok(per.ours)?.at10k ? [row('KB per connection at 10,000', per, (r: IdleResult) => (r.at10k ? r.at10k.bytesPerConnection / 1024 : NaN))] : []),
      ]),
    );
    const o = ok(per.ours);
    if (o) targets.push({ what: 'RSS per idle connection ≤ 4 KB', met: o.bytesPerConnection <= 4096, detail: `${num(o.bytesPerConnection / 1024)} KB over ${o.connections} connections` });
  }

  if (results.throughput) {
    const t = results.throughput;
    out.push(table('Throughput: messages delivered per second (higher is better)', headers('msg/s'), t.map((c) => row(c.case.key, c.results, (m: Measured) => m.deliveredPerSec))));
    out.push(
      table(
        'Broker CPU time per delivered message, µs (lower is better)',
        headers('µs'),
        t.map((c) => row(c.case.key, c.results, (m: Measured) => m.brokerCpuUsPerMsg)),
      ),
    );
    out.push(
      table(
        'CPU use during the throughput runs, % of one core: broker / load generators',
        ['scenario', ...names],
        t.map((c) => [
          c.case.key,
          ...names.map((n) => {
            const m = ok(c.results[n]);
            return m ? `${num(m.brokerCpuPct)} / ${num(m.loadgenCpuPct)}` : '–';
          }),
        ]),
      ),
    );
    out.push(
      table(
        'End-to-end latency at full load (closed loop), p50 / p99 ms (lower is better)',
        ['scenario', ...names, ...others.map((o) => `ours/${o} p99`)],
        t.map((c) => {
          const vals = names.map((n) => ok(c.results[n]));
          return [
            c.case.key,
            ...vals.map((m) => (m ? `${num(m.latencyP50Ms)} / ${num(m.latencyP99Ms)}` : '–')),
            ...others.map((o) => ratio(ok(c.results.ours)?.latencyP99Ms, ok(c.results[o])?.latencyP99Ms)),
          ];
        }),
      ),
    );
    const losses = t.flatMap((c) =>
      names.flatMap((n) => {
        const m = ok(c.results[n]);
        return m && (m.lost || m.unexpectedCloses) ? [`${c.case.key} · ${n}: ${m.lost} deliveries lost, ${m.unexpectedCloses} connections closed by the broker`] : [];
      }),
    );
    out.push(losses.length ? ['Losses:', ...losses.map((l) => `- ${l}`), ''].join('\n') : 'No message was lost in the throughput runs.\n');

    const qos1 = t.filter((c) => c.case.qos === 1);
    // Telemetry's cost: ours with it (--telemetry=both) against ours without, at most 15% slower.
    if (names.includes('ours-telemetry')) {
      const kept = t
        .map((c) => ratioValue(ok(c.results['ours-telemetry'])?.deliveredPerSec, ok(c.results.ours)?.deliveredPerSec))
        .filter((r): r is number => r !== null);
      if (kept.length) {
        targets.push({
          what: 'Throughput with telemetry on ≥ 0.85× without',
          met: Math.min(...kept) >= 0.85,
          detail: `ours-telemetry/ours ${kept.map((r) => r.toFixed(2)).join(', ')} over the ${kept.length} scenarios (lowest ${Math.min(...kept).toFixed(2)}, geometric mean ${geomean(kept).toFixed(2)})`,
        });
      }
    }
    for (const o of others.filter((n) => n !== 'ours-telemetry')) {
      const factor = o === 'aedes' ? 0.7 : 1;
      const rs = qos1.map((c) => ratioValue(ok(c.results.ours)?.brokerCpuUsPerMsg, ok(c.results[o])?.brokerCpuUsPerMsg));
      const valid = rs.filter((r): r is number => r !== null);
      if (valid.length) {
        const worst = Math.max(...valid);
        targets.push({
          what: `CPU per delivered QoS 1 message ≤ ${factor}× ${o}'s`,
          met: worst <= factor,
          detail: `ratio ${valid.map((r) => r.toFixed(2)).join(', ')} over the ${valid.length} QoS 1 scenarios (worst ${worst.toFixed(2)}, geometric mean ${geomean(valid).toFixed(2)})`,
        });
      }
      const th = t.map((c) => ratioValue(ok(c.results.ours)?.deliveredPerSec, ok(c.results[o])?.deliveredPerSec)).filter((r): r is number => r !== null);
      if (th.length) {
        targets.push({
          what: `Throughput ≥ ${o}'s`,
          met: Math.min(...th) >= 1,
          detail: `ours/${o} ${th.map((r) => r.toFixed(2)).join(', ')} over the ${th.length} scenarios (lowest ${Math.min(...th).toFixed(2)}, geometric mean ${geomean(th).toFixed(2)})`,
        });
      }
    }
  }

  if (results.latency) {
    const l = results.latency;
    // The Node floor, when it ran, is a column of this table only.
    const cols = [...names, ...LATENCY_ONLY.filter((n) => l.some((r) => r.results[n] !== undefined))];
    out.push(
      table(
        `Latency at a fixed rate: ${opts.quick ? 100 : 500} pairs, QoS 1, 64 B (lower is better)`,
        ['rate · metric', ...cols, ...cols.filter((n) => n !== 'ours').map((o) => `ours/${o}`)],
        l.flatMap((r) => {
          const rate = `${r.rate.toLocaleString('en-US')} msg/s`;
          return [
            row(`${rate} · p50 ms`, r.results, (m: Measured) => m.latencyP50Ms, 3, cols),
            row(`${rate} · p99 ms`, r.results, (m: Measured) => m.latencyP99Ms, 3, cols),
            row(`${rate} · p99.9 ms`, r.results, (m: Measured) => m.latencyP999Ms, 3, cols),
            row(`${rate} · median of 1-s p99s, ms`, r.results, (m: Measured) => m.latencyP99MedianOfWindowsMs, 3, cols),
            row(`${rate} · broker CPU µs/msg`, r.results, (m: Measured) => m.brokerCpuUsPerMsg, 3, cols),
          ];
        }),
      ),
    );
    if (cols.includes('node-floor')) {
      out.push(
        'node-floor is not a broker: a Node process that only forwards these messages (bench/brokers/node-floor.ts), for what the Node runtime itself costs here.',
        '',
      );
    }
    if (others.includes('mosquitto')) {
      const rs = l.map((r) => ({ rate: r.rate, v: ratioValue(ok(r.results.ours)?.latencyP99Ms, ok(r.results.mosquitto)?.latencyP99Ms) })).filter((x) => x.v !== null);
      if (rs.length) {
        targets.push({
          what: "p99 latency ≤ Mosquitto's at the same load",
          met: rs.every((x) => x.v! <= 1),
          detail:
            rs.map((x) => `${x.rate.toLocaleString('en-US')} msg/s: ${x.v!.toFixed(2)}×`).join(', ') +
            ` (median of 1-s p99s: ${l
              .map((r) => `${ratio(ok(r.results.ours)?.latencyP99MedianOfWindowsMs, ok(r.results.mosquitto)?.latencyP99MedianOfWindowsMs)}`)
              .join(', ')})`,
        });
      }
    }
  }

  if (results.persistent) {
    const { online, backlog } = results.persistent;
    out.push(
      table('Persistent sessions, QoS 1, 64 B (ours: SQLite; Mosquitto: persistence on; Aedes: in memory)', ['', ...names, ...others.map((o) => `ours/${o}`)], [
        row('online: delivered msg/s (higher is better)', online, (m: Measured) => m.deliveredPerSec),
        row('online: broker CPU µs/msg', online, (m: Measured) => m.brokerCpuUsPerMsg),
        row('online: latency p99 ms', online, (m: Measured) => m.latencyP99Ms),
        row('backlog: publish to offline sessions, acked msg/s', backlog, (r: BacklogResult) => r.ingestPerSec),
        row('backlog: broker CPU µs/msg while storing', backlog, (r: BacklogResult) => r.ingestCpuUsPerMsg),
        row('backlog: delivered on reconnect, msg/s', backlog, (r: BacklogResult) => r.drainPerSec),
        row('backlog: broker CPU µs/msg while delivering', backlog, (r: BacklogResult) => r.drainCpuUsPerMsg),
        row(`backlog: lost of ${BACKLOG.sessions * BACKLOG.perSession}`, backlog, (r: BacklogResult) => r.lost, 6).slice(0, names.length + 1),
        row('backlog: duplicates', backlog, (r: BacklogResult) => r.duplicates, 6).slice(0, names.length + 1),
      ]),
    );
  }

  out.push(
    noisy.length
      ? [`Runs during which other processes on the machine used more than ${QUIET_PCT}% of a core (less reliable):`, ...noisy.map((n) => `- ${n}`), ''].join('\n')
      : `No run was disturbed by other processes (each used less than ${QUIET_PCT}% of a core besides the benchmark's own).\n`,
  );
  if (failedOnce.length) {
    out.push(['Runs that failed the first time and were run once more at the end of their phase (a table cell is empty if the second try failed too):', ...failedOnce.map((f) => `- ${f}`), ''].join('\n'));
  }

  if (targets.length) {
    out.push('### Targets (issue 3)', '');
    for (const t of targets) out.push(`- ${t.met === null ? '?' : t.met ? 'met' : 'NOT met'}: ${t.what} — ${t.detail}`);
    out.push('');
  }
  return { text: out.join('\n'), targets };
}

function geomean(values: number[]): number {
  return Math.exp(values.reduce((a, v) => a + Math.log(v), 0) / values.length);
}
