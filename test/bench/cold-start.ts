/**
 * Cold-start proxy for each Lambda, beside its floor: the handler bundled as the CDK stack bundles it
 * (infra/bundling.ts: esbuild, ESM, minified), then loaded by a fresh Node process BENCH_COLD_RUNS
 * times (default 21, every bundle once a round); bundle size and the median time to import it (settings read, SDK clients built),
 * which Lambda pays on a cold start. The floors (floor/receive.ts: the SQS client alone, one send per
 * request; floor/processor.ts: the DynamoDB client alone, one conditional PutItem per record) are
 * bundled with the very same settings.
 *
 * Each is measured twice: the bundle alone, and as deployed (infra/constructs/receiver-function.ts):
 * with its source map beside it (infra/bundling.ts), which Node does not read at load: the
 * functions run without --enable-source-maps and read the map only when they log an error
 * (functions/stack-traces.ts).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { handlerBundling } from "../../infra/bundling.ts";
import {
  consumers,
  queues,
  routes,
  sendCredentialSettings,
  statusCallbackUrlSetting,
  tables,
  topics,
  urlSecretSettings,
} from "../../infra/topology.ts";
import { floorQueueSetting, floorTableSetting } from "./floor/contract.ts";
import { finish, median, progress } from "./part.ts";
import type { ColdStartFigures } from "./results.ts";

const runs = Number(process.env.BENCH_COLD_RUNS ?? 21);
const root = resolve(import.meta.dirname, "../..");
const out = mkdtempSync(join(tmpdir(), "cold-start-"));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  AWS_REGION: "ap-northeast-2",
  LOG_LEVEL: "silent",
  [urlSecretSettings.secrets]: "bench-secret-0123456789",
  ...Object.fromEntries(Object.values(queues).map((queue) => [queue.urlSetting, "https://sqs.example/1/q"])),
  ...Object.fromEntries(Object.values(tables).map((table) => [table.nameSetting, "table"])),
  ...Object.fromEntries(Object.values(topics).map((topic) => [topic.arnSetting, "arn:aws:sns:ap-northeast-2:1:t"])),
  [floorQueueSetting]: "https://sqs.example/1/q",
  [floorTableSetting]: "table",
  // The sender's own (read at its cold start).
  [statusCallbackUrlSetting]: "https://api.example/status-callback",
  [sendCredentialSettings.cid]: "bench-cid",
  [sendCredentialSettings.token]: "bench-token",
};
delete env.NODE_OPTIONS;

type Handler = ColdStartFigures["handlers"][number];
type Measured = Handler["plain"];

const floors = { floorReceive: "test/bench/floor/receive.ts", floorProcessor: "test/bench/floor/processor.ts" };
const entries: { id: string; entry: string; floor: keyof typeof floors | "" }[] = [
  ...Object.entries(routes).map(([id, route]) => ({ id, entry: route.entry, floor: "floorReceive" as const })),
  ...Object.entries(consumers).map(([id, consumer]) => ({
    id,
    entry: consumer.entry,
    floor: "floorProcessor" as const,
  })),
  ...Object.entries(floors).map(([id, entry]) => ({ id, entry, floor: "" as const })),
];

async function bundle(entry: string, outfile: string, sourceMaps: boolean) {
  await build({
    entryPoints: [resolve(root, entry)],
    outfile,
    bundle: true,
    format: handlerBundling.format,
    platform: "node",
    target: "node24",
    minify: handlerBundling.minify,
    mainFields: [...handlerBundling.mainFields],
    banner: { js: handlerBundling.banner },
    ...(sourceMaps ? { sourcemap: handlerBundling.sourceMap, sourcesContent: handlerBundling.sourcesContent } : {}),
    logLevel: "silent",
  });
}

/** One fresh process's import of a bundle, in ms. */
const importOnce = (outfile: string): number =>
  Number(
    execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const t = performance.now(); await import(${JSON.stringify(outfile)}); console.log(performance.now() - t);`,
      ],
      { env, encoding: "utf8" },
    ),
  );

/**
 * Every bundle imported once a round, `runs` rounds: whatever else the machine does meanwhile
 * weighs on ours and the floors alike, where back-to-back runs of one bundle would catch a busy
 * spell alone (the ratios are what the figures compare).
 */
function importTimesInTurns(files: readonly string[]): Map<string, number[]> {
  const timings = new Map(files.map((file) => [file, [] as number[]]));
  for (let round = 0; round < runs; round++) {
    for (const file of files) timings.get(file)?.push(importOnce(file));
  }
  return timings;
}

const summary = (times: number[]): Measured["importMs"] => ({
  median: median(times),
  min: Math.min(...times),
  max: Math.max(...times),
});

/**
 * Ours / the floor, round by round (the two imported one after the other), then their median and
 * quartiles: a spell that slows a whole round weighs on both sides of its ratio, so this is steadier
 * than the ratio of the two medians.
 */
function pairedRatio(ours: number[], floor: number[]): NonNullable<Measured["ratioToFloor"]> {
  const ratios = ours.map((time, round) => time / (floor[round] ?? Number.NaN)).sort((a, b) => a - b);
  const at = (share: number) => ratios[Math.round((ratios.length - 1) * share)] ?? Number.NaN;
  return { median: median(ratios), p25: at(0.25), p75: at(0.75) };
}

progress(`cold start: ${entries.length} bundles, ${runs} rounds of fresh imports, alone and as deployed (map beside)`);
const handlers: Handler[] = [];
try {
  const files = entries.map(({ id }) => ({
    plain: join(out, "plain", `${id}.mjs`),
    deployed: join(out, "deployed", `${id}.mjs`),
  }));
  for (const [index, { entry }] of entries.entries()) {
    await bundle(entry, files[index]?.plain ?? "", false);
    await bundle(entry, files[index]?.deployed ?? "", true);
  }
  const times = importTimesInTurns(files.flatMap(({ plain, deployed }) => [plain, deployed]));
  const floorFiles = (floor: string) => files[entries.findIndex((entry) => entry.id === floor)];
  for (const [index, { id, floor }] of entries.entries()) {
    const plainFile = files[index]?.plain ?? "";
    const deployedFile = files[index]?.deployed ?? "";
    const plain = times.get(plainFile) ?? [];
    const deployed = times.get(deployedFile) ?? [];
    const floorOf = floor ? floorFiles(floor) : undefined;
    const ratio = (mine: number[], floorFile: string | undefined) =>
      floorFile ? { ratioToFloor: pairedRatio(mine, times.get(floorFile) ?? []) } : {};
    handlers.push({
      id,
      floor,
      plain: { bundleBytes: statSync(plainFile).size, importMs: summary(plain), ...ratio(plain, floorOf?.plain) },
      deployed: {
        bundleBytes: statSync(deployedFile).size,
        mapBytes: statSync(`${deployedFile}.map`).size,
        importMs: summary(deployed),
        ...ratio(deployed, floorOf?.deployed),
      },
    });
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}

finish("cold start", { runs, handlers } satisfies ColdStartFigures);
