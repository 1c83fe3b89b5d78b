/**
 * Cold-start proxy for each Lambda: the handler bundled as the CDK stack bundles it (esbuild,
 * ESM, minified, the source map beside it), then loaded by a fresh Node process, five times
 * (BENCH_IMPORTS changes it); prints bundle size and the median time to import it (settings read,
 * SDK clients built), which Lambda pays on a cold start. The same with `--enable-source-maps`,
 * which the functions no longer run with, shows what Node's own source-map support would add; and
 * the time the first logged error takes to read the map instead (functions/stack-traces.ts).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { handlerBundling } from "../../infra/bundling.ts";
import { consumers, queues, routes, tables, urlSecretSettings } from "../../infra/topology.ts";

const runs = Number(process.env.BENCH_IMPORTS ?? 5);
console.log(`cold start: handler bundles loaded by a fresh Node process (${runs} runs each, median)`);
const root = resolve(import.meta.dirname, "../..");
const out = mkdtempSync(join(tmpdir(), "cold-start-"));
const env = {
  ...process.env,
  AWS_REGION: "ap-northeast-2",
  LOG_LEVEL: "silent",
  NODE_OPTIONS: "",
  [urlSecretSettings.secrets]: "bench-secret-0123456789",
  ...Object.fromEntries(Object.values(queues).map((queue) => [queue.urlSetting, "https://sqs.example/1/q"])),
  ...Object.fromEntries(Object.values(tables).map((table) => [table.nameSetting, "table"])),
};

/** A fresh process's output: one duration in ms. */
const timed = (args: string[]) => Number(execFileSync(process.execPath, args, { env, encoding: "utf8" }));

const median = (timings: number[]) => timings.sort((a, b) => a - b)[Math.floor(timings.length / 2)] ?? Number.NaN;

const importScript = (outfile: string) => [
  "--input-type=module",
  "-e",
  `const t = performance.now(); await import(${JSON.stringify(outfile)}); console.log(performance.now() - t);`,
];

/** Import times without and with `--enable-source-maps`, run in turn so that a busy machine slows both alike. */
function importTimes(outfile: string) {
  const without: number[] = [];
  const withFlag: number[] = [];
  for (let run = 0; run < runs; run++) {
    without.push(timed(importScript(outfile)));
    withFlag.push(timed(["--enable-source-maps", ...importScript(outfile)]));
  }
  return { without: median(without), withFlag: median(withFlag) };
}

/** Reading the map for one frame of the bundle: what the first logged error of a process pays. */
const firstMappedStack = (outfile: string) =>
  median(
    Array.from({ length: runs }, () =>
      timed([
        "--input-type=module",
        "-e",
        `const { sourceMappedStack } = await import(${JSON.stringify(pathToFileURL(resolve(root, "functions/stack-traces.ts")).href)});
        const t = performance.now();
        sourceMappedStack("Error: x\\n    at f (" + ${JSON.stringify(pathToFileURL(outfile).href)} + ":1:1000)");
        console.log(performance.now() - t);`,
      ]),
    ),
  );

try {
  const entries = {
    ...Object.fromEntries(Object.entries(routes).map(([id, r]) => [id, r.entry])),
    ...Object.fromEntries(Object.entries(consumers).map(([id, c]) => [id, c.entry])),
  };
  for (const [id, entry] of Object.entries(entries)) {
    const outfile = join(out, id, "index.mjs");
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
      sourcemap: handlerBundling.sourceMap,
      sourcesContent: handlerBundling.sourcesContent,
      logLevel: "silent",
    });
    const kib = (file: string) => (statSync(file).size / 1024).toFixed(0).padStart(5);
    const { without, withFlag } = importTimes(outfile);
    console.log(
      `  ${id.padEnd(18)} bundle ${kib(outfile)} KiB (map ${kib(`${outfile}.map`)} KiB)   import ${without.toFixed(1)} ms` +
        ` (with --enable-source-maps ${withFlag.toFixed(1)} ms)   first mapped stack ${firstMappedStack(outfile).toFixed(1)} ms`,
    );
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
