/**
 * How the broker process runs: the Node options it is started with (by the supervisor,
 * server/main.ts, and the same in tests and the benchmark), and settings applied once at
 * start-up (server/broker/main.ts, bench/brokers/ours.ts).
 */

/**
 * `--import tsx`: the broker runs the same TypeScript as the console.
 * `--min/max-semi-space-size=8`: a young generation of a fixed 2 × 8 MB. Left to itself V8
 * doubles it to 2 × 16 MB under a burst of allocation (thousands of clients connecting at
 * once) and keeps that memory: 16 MB more resident, about 1.6 KB per connection at 10,000
 * idle connections (measured). A fixed size also starts the broker at the size it works at
 * under load. Neither the throughput nor the latency runs of `npm run bench` showed a cost
 * (2 × 4 MB did cost throughput; 2 × 16 MB did not lower the fixed-rate p99).
 */
export const BROKER_EXEC_ARGV: readonly string[] = ['--min-semi-space-size=8', '--max-semi-space-size=8', '--import', 'tsx'];

/**
 * Node carves small Buffers (allocUnsafe, Buffer.from) out of a shared pool and gives
 * anything of half the pool's size or more an ArrayBuffer of its own, which is several
 * times slower to make and to collect. The default pool (8 KB) sends every 4 KB payload
 * copy and every encoded 4 KB PUBLISH down the slow path; 64 KB keeps payloads up to
 * 32 KB pooled. A buffer kept alive keeps its pool slice's 64 KB alive too, which is why
 * payloads that wait indefinitely (retained, offline) get memory of their own (message.ts keepPayload).
 */
const BUFFER_POOL_SIZE = 64 * 1024;

export function tuneBrokerProcess(): void {
  Buffer.poolSize = BUFFER_POOL_SIZE;
}
