/**
 * Cold-start proxy for each Lambda: the handler bundled as the CDK stack bundles it (esbuild,
 * ESM, minified), then loaded by a fresh Node process, five times; prints bundle size and the
 * median time to import it (settings read, SDK clients built), which Lambda pays on a cold start.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { handlerBundling } from "../../infra/bundling.ts";
import { consumers, queues, routes, tables, urlSecretSettings } from "../../infra/topology.ts";

console.log("cold start: handler bundles loaded by a fresh Node process (5 runs each)");
const root = resolve(import.meta.dirname, "../..");
const out = mkdtempSync(join(tmpdir(), "cold-start-"));
const env = {
  ...process.env,
  AWS_REGION: "ap-northeast-2",
  LOG_LEVEL: "silent",
  [urlSecretSettings.secrets]: "bench-secret-0123456789",
  ...Object.fromEntries(Object.values(queues).map((queue) => [queue.urlSetting, "https://sqs.example/1/q"])),
  ...Object.fromEntries(Object.values(tables).map((table) => [table.nameSetting, "table"])),
};

try {
  const entries = {
    ...Object.fromEntries(Object.entries(routes).map(([id, r]) => [id, r.entry])),
    ...Object.fromEntries(Object.entries(consumers).map(([id, c]) => [id, c.entry])),
  };
  for (const [id, entry] of Object.entries(entries)) {
    const outfile = join(out, `${id}.mjs`);
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
      logLevel: "silent",
    });
    const timings = Array.from({ length: 5 }, () =>
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
      ),
    ).sort((a, b) => a - b);
    const sizeKiB = statSync(outfile).size / 1024;
    console.log(
      `  ${id.padEnd(18)} bundle ${sizeKiB.toFixed(0).padStart(5)} KiB   import median ${timings[2]?.toFixed(1)} ms (min ${timings[0]?.toFixed(1)}, max ${timings[4]?.toFixed(1)})`,
    );
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
