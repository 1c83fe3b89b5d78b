/**
 * Lambda code never imports infra (or test) code: infra reads functions/contract.ts, not the
 * reverse. Biome's noRestrictedImports enforces it in `npm run check`; these tests keep the rule
 * itself honest.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const biome = resolve(root, "node_modules/.bin/biome");

/** Lints one file at `path` in a scratch tree that has this project's Biome configuration. */
function lint(path: string, source: string) {
  const scratch = mkdtempSync(join(tmpdir(), "import-direction-"));
  try {
    copyFileSync(resolve(root, "biome.json"), join(scratch, "biome.json"));
    mkdirSync(dirname(join(scratch, path)), { recursive: true });
    writeFileSync(join(scratch, path), source);
    return spawnSync(biome, ["lint", path], { cwd: scratch, encoding: "utf8" });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

describe("the import direction rule", () => {
  it.each([
    ["infra/topology.ts", 'import { routes } from "../../infra/topology.ts";\n\nexport const x = routes;\n'],
    [
      "a test helper",
      'import { inboundSms } from "../../test/support/envelopes.ts";\n\nexport const x = inboundSms;\n',
    ],
    ["aws-cdk-lib", 'import { Stack } from "aws-cdk-lib";\n\nexport const x = Stack;\n'],
  ])("refuses an import of %s in functions/", (_label, source) => {
    const result = lint("functions/domain/example.ts", source);
    expect(result.status).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toContain("Lambda code never imports infra or test code");
  });

  it("allows infra/ to import functions/", () => {
    const result = lint(
      "infra/example.ts",
      'import { metrics } from "../functions/contract.ts";\n\nexport const x = metrics;\n',
    );
    expect(result.status).toBe(0);
  });

  it("finds no such import in functions/ today", () => {
    const output = execFileSync(biome, ["lint", "functions"], { cwd: root, encoding: "utf8" });
    expect(output).not.toContain("noRestrictedImports");
  });
});
