/** Command-line options of `npm run bench` (see bench/README.md). */
import path from 'node:path';
import { BENCH_DIR, BROKER_NAMES, type BrokerName } from './lib/brokers';

export type Phase = 'idle' | 'throughput' | 'latency' | 'persistent';
export const PHASES: readonly Phase[] = ['idle', 'throughput', 'latency', 'persistent'];

export interface Options {
  brokers: BrokerName[];
  phases: Phase[];
  workers: number;
  warmupMs: number;
  durationMs: number;
  /** Idle connections to open; default: as many as the file limits allow. */
  idle: number | null;
  quick: boolean;
  out: string;
  /** Only the throughput scenarios whose name contains this. */
  filter: string | null;
  /** Closed loop: deliveries in flight at most (64 B payloads; less for larger ones). */
  window: number;
  /** How long each fixed-rate latency run is measured. */
  latencyMs: number;
  /** Fixed-rate runs per broker and rate, interleaved with the other brokers' (see bench/README.md). */
  latencyRounds: number;
  /** Per phase: time allowed for running disturbed runs again. */
  retryBudgetMs: number;
  /** Our broker's telemetry: off (default), on, or both (a second column, ours-telemetry, to compare). */
  telemetry: 'off' | 'on' | 'both';
  /** Our broker runs with Node's --cpu-prof, writing .cpuprofile files into this directory. */
  profileDir: string | null;
}

export function parseOptions(argv: string[]): Options {
  const known = ['brokers', 'only', 'workers', 'warmup', 'duration', 'latency-duration', 'latency-rounds', 'retry-budget', 'idle', 'out', 'filter', 'window', 'telemetry', 'profile'];
  for (const a of argv) {
    const name = /^--([a-z-]+)(=|$)/.exec(a)?.[1];
    if (a === '--quick') continue;
    if (!name || !known.includes(name) || !a.includes('=')) throw new Error(`unknown option ${a}: see the top of bench/run.ts or bench/README.md`);
  }
  const get = (name: string) => {
    const a = argv.find((x) => x.startsWith(`--${name}=`));
    return a === undefined ? undefined : a.slice(name.length + 3);
  };
  const quick = argv.includes('--quick');
  const list = <T extends string>(name: string, all: readonly T[]): T[] => {
    const v = get(name);
    if (!v) return [...all];
    const picked = v.split(',').map((s) => s.trim()) as T[];
    for (const p of picked) if (!all.includes(p)) throw new Error(`--${name}: unknown ${p} (one of ${all.join(', ')})`);
    return picked;
  };
  const rounds = get('latency-rounds');
  if (rounds !== undefined && !(Number.isInteger(Number(rounds)) && Number(rounds) >= 1)) throw new Error(`--latency-rounds: a whole number from 1, not ${rounds}`);
  return {
    brokers: list('brokers', BROKER_NAMES),
    phases: list('only', PHASES),
    workers: Number(get('workers') ?? 2),
    warmupMs: Number(get('warmup') ?? (quick ? 0.5 : 1)) * 1000,
    durationMs: Number(get('duration') ?? (quick ? 1 : 2)) * 1000,
    latencyMs: Number(get('latency-duration') ?? (quick ? 1 : 4)) * 1000,
    latencyRounds: Number(get('latency-rounds') ?? (quick ? 1 : 2)),
    retryBudgetMs: Number(get('retry-budget') ?? 120) * 1000,
    idle: get('idle') ? Number(get('idle')) : quick ? 2000 : null,
    quick,
    out: get('out') ?? path.join(BENCH_DIR, 'results', 'latest.json'),
    filter: get('filter') ?? null,
    window: Number(get('window') ?? 4000),
    telemetry: telemetryMode(get('telemetry')),
    profileDir: get('profile') ? path.resolve(get('profile')!) : null,
  };
}

function telemetryMode(v: string | undefined): Options['telemetry'] {
  if (v === undefined) return 'off';
  if (v === 'off' || v === 'on' || v === 'both') return v;
  throw new Error(`--telemetry: off, on or both, not ${v}`);
}
