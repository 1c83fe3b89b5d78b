/**
 * `npm run bench`: every figure beside its floor, measured in the same run; printed, and written to
 * test/bench/figures.md (committed, so that a change in cost shows in review; BENCH_FIGURES=FILE
 * writes elsewhere).
 *
 * Each part runs in a Node process of its own (its settings, such as the log level, are read when
 * the functions load), one after the other, and hands its figures back as JSON:
 *
 *   throughput.ts      acknowledgement latency, throughput, memory (BENCH_MESSAGES, BENCH_CONCURRENCY)
 *   pipeline-costs.ts  DynamoDB requests and capacity, SQS sends and logs per message, by scenario
 *                      (BENCH_SCENARIO_MESSAGES, BENCH_BURST_GROUPS); item size after N arrivals. On
 *                      DynamoDB Local unless DYNAMODB_TARGET says otherwise: like DynamoDB, it sizes
 *                      items in UTF-8 bytes and returns the item that refused a conditional write.
 *   cpu.ts             CPU time per message of the receive function and the processor (BENCH_CPU_INVOCATIONS)
 *   cold-start.ts      bundle size and import time, plain and as deployed (BENCH_COLD_RUNS)
 *
 * report.ts renders them, with the cost of a million SMS (cost-model.ts).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { progress } from "./part.ts";
import { renderReport } from "./report.ts";
import type { BenchFigures } from "./results.ts";

const parts = {
  throughput: "throughput.ts",
  pipeline: "pipeline-costs.ts",
  cpu: "cpu.ts",
  coldStart: "cold-start.ts",
} as const;

const figuresFile = resolve(process.env.BENCH_FIGURES ?? resolve(import.meta.dirname, "figures.md"));
const work = mkdtempSync(join(tmpdir(), "bench-"));
const figures: Partial<Record<keyof typeof parts, unknown>> = {};
try {
  for (const [id, file] of Object.entries(parts) as [keyof typeof parts, string][]) {
    const output = join(work, `${id}.json`);
    const { status, signal } = spawnSync(process.execPath, [resolve(import.meta.dirname, file), "--json", output], {
      stdio: ["ignore", "inherit", "inherit"],
      env: id === "pipeline" ? { DYNAMODB_TARGET: "dynamodb-local", ...process.env } : process.env,
    });
    if (status !== 0) throw new Error(`bench part ${file} failed (${signal ?? `exit ${status}`})`);
    figures[id] = JSON.parse(readFileSync(output, "utf8"));
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const settings = ["BENCH_MESSAGES", "BENCH_CONCURRENCY", "BENCH_SCENARIO_MESSAGES", "BENCH_BURST_GROUPS"]
  .concat(["BENCH_CPU_INVOCATIONS", "BENCH_COLD_RUNS"])
  .filter((name) => process.env[name] !== undefined)
  .map((name) => `${name}=${process.env[name]}`);
const report = renderReport(figures as unknown as BenchFigures, {
  date: new Date().toISOString().slice(0, 10),
  machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? "unknown CPU"}`,
  node: process.versions.node,
  settings: settings.length > 0 ? `settings ${settings.join(", ")}` : "default settings",
});
writeFileSync(figuresFile, report);
console.log(report);
progress(`figures written to ${relative(process.cwd(), figuresFile)}`);
