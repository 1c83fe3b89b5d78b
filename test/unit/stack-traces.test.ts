/**
 * Logged stacks in terms of the TypeScript sources, without `--enable-source-maps`: a handler
 * bundled as the functions are (infra/bundling.ts), run by a fresh Node process, logs an error
 * whose stack names the source lines it was thrown from.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sourceMappedStack } from "../../functions/stack-traces.ts";
import { handlerBundling } from "../../infra/bundling.ts";

const fixture = resolve(import.meta.dirname, "fixtures/failing-handler.ts");
/** The 1-based line of the fixture that holds `marker`. */
const lineOf = (marker: string) =>
  readFileSync(fixture, "utf8")
    .split("\n")
    .findIndex((line) => line.includes(marker)) + 1;

/**
 * A frame of the fixture: its path is relative to the bundle's directory, less the leading "../"
 * (on Lambda the bundle is two levels below the repository, in cdk.out, so `functions/...`).
 */
const source = "test/unit/fixtures/failing-handler.ts";
const frame = (name: string, marker: string) =>
  new RegExp(`\\n {4}at ${name} \\((?:[^\\s()]*/)?${source}:${lineOf(marker)}:\\d+\\)`);

let out: string;
let bundle: string;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), "stack-traces-"));
  bundle = join(out, "index.mjs");
  await build({
    entryPoints: [fixture],
    outfile: bundle,
    bundle: true,
    platform: "node",
    target: "node24",
    format: handlerBundling.format,
    minify: handlerBundling.minify,
    mainFields: [...handlerBundling.mainFields],
    banner: { js: handlerBundling.banner },
    sourcemap: handlerBundling.sourceMap,
    sourcesContent: handlerBundling.sourcesContent,
    logLevel: "silent",
  });
});

afterAll(() => rmSync(out, { recursive: true, force: true }));

/** What the bundled handler logs, run as Lambda runs it: a fresh process, no source-map flag. */
function loggedError() {
  const { stdout, stderr } = spawnSync(
    process.execPath,
    ["--input-type=module", "-e", `(await import(${JSON.stringify(bundle)})).handler("a-1");`],
    { env: { PATH: process.env.PATH, LOG_LEVEL: "info", POWERTOOLS_METRICS_DISABLED: "true" }, encoding: "utf8" },
  );
  const [line] = `${stdout}${stderr}`.split("\n").filter((each) => each.includes("record failed"));
  return JSON.parse(line ?? "{}").error as { location: string; stack: string; cause: { stack: string } };
}

describe("a logged error's stack, from a minified bundle", () => {
  it("names the TypeScript source's file and line, and the functions' own names", () => {
    const error = loggedError();
    expect(error.stack).toMatch(frame("failDeeply", "// thrown here"));
    expect(error.stack).toMatch(frame("processRecord", "failDeeply(id);"));
    expect(error.location).toMatch(new RegExp(`${source}:${lineOf("// thrown here")}$`));
    expect(error.cause.stack).toMatch(frame("readTheCause", "// cause here"));
    // Nothing is left pointing into the bundle.
    expect(`${error.stack}\n${error.cause.stack}`).not.toContain("index.mjs");
  });
});

describe("sourceMappedStack", () => {
  it("leaves a stack without source maps as it is", () => {
    const { stack } = new Error("here");
    expect(sourceMappedStack(stack)).toBe(stack);
  });

  it.each([
    ["undefined", undefined],
    ["no stack at all", "Error: just a message"],
    [
      "frames of files that do not exist",
      "Error: x\n    at f (file:///nowhere/index.mjs:1:2)\n    at /nowhere/x.mjs:3:4",
    ],
  ])("leaves %s as it is", (_label, stack) => {
    expect(sourceMappedStack(stack)).toBe(stack);
  });
});
