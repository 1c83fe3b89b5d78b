/**
 * Throughput and latency, measured through the whole local pipeline (HTTP front → receive handler →
 * SQS → processor → DynamoDB): the figures for the targets that matter to ToBeText.
 *
 *   - acknowledgement latency: ToBeText retries what it cannot confirm, so the answer must be fast;
 *   - time until every message is stored, and stored once;
 *   - memory of the process running all of it.
 *
 * It measures; it asserts nothing. BENCH_MESSAGES and BENCH_CONCURRENCY change the load.
 */
import { performance } from "node:perf_hooks";
import { finish, formHeaders, progress, smsBody } from "./part.ts";
import type { ThroughputFigures } from "./results.ts";

process.env.LOG_LEVEL ??= "silent";
process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
const { startTestPipeline } = await import("../support/pipeline.ts");

const messages = Number(process.env.BENCH_MESSAGES ?? 1000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 20);
const retriesPerMessage = 1;

// Throttling off: this measures the pipeline, not API Gateway's route limit.
const pipeline = await startTestPipeline({
  settings: { TOBETEXT_PREFIXES: "TOBE", TOBETEXT_NUMBERS: "" },
  throttle: false,
});
const url = pipeline.stack.urls.inboundSms;

progress(`throughput: ${messages} messages x ${retriesPerMessage + 1} deliveries, ${concurrency} concurrent`);
const requests: number[] = [];
for (let index = 0; index < messages; index++) {
  for (let copy = 0; copy <= retriesPerMessage; copy++) requests.push(index);
}

const latencies: number[] = [];
let failures = 0;
const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < requests.length) {
      const index = requests[next++] as number;
      const sentAt = performance.now();
      const response = await fetch(url, {
        method: "POST",
        body: smsBody(index),
        headers: formHeaders,
      });
      await response.arrayBuffer();
      latencies.push(performance.now() - sentAt);
      if (response.status !== 200) failures++;
    }
  }),
);
const acknowledgedMs = performance.now() - started;

const stored = await pipeline.eventually(
  () => pipeline.scan("inboundMessages"),
  (items) => items.reduce((sum, item) => sum + Number(item.deliveryCount), 0) >= requests.length,
  300_000,
);
const storedMs = performance.now() - started;
const memory = process.memoryUsage();
await pipeline.stop();

const sorted = [...latencies].sort((a, b) => a - b);
const percentile = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const mib = (bytes: number) => bytes / 1024 / 1024;

finish("throughput", {
  dynamoDbTarget: pipeline.stack.dynamoDbTarget,
  messages,
  deliveriesPerMessage: retriesPerMessage + 1,
  concurrency,
  latencyMs: { p50: percentile(50), p95: percentile(95), p99: percentile(99), max: percentile(100) },
  requests: requests.length,
  non200: failures,
  acknowledgedSeconds: acknowledgedMs / 1000,
  storedSeconds: storedMs / 1000,
  records: stored.length,
  deliveriesCounted: stored.reduce((sum, item) => sum + Number(item.deliveryCount), 0),
  memoryMiB: { rss: mib(memory.rss), heapUsed: mib(memory.heapUsed) },
} satisfies ThroughputFigures);
