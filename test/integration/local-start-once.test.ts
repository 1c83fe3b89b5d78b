/**
 * One `npm start` per folder: a second one says in one line where the running one is and how to stop it,
 * and exits without touching its data; a claim left by a stack that crashed does not block the next start.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { claimLocalDir, clearLocalState, readLocalState } from "../../infra/local/state.ts";
import { eventually, killAll, runNode, scanTable } from "./fixtures/processes.ts";

const dirs: string[] = [];
async function localDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tobetext-start-"));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  await killAll();
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("a second npm start in the same folder", () => {
  it("says in one line that a stack runs there, with its pid and URL, exits 1, and leaves it serving", async () => {
    const dir = await localDir();
    // PORT 0: both could listen, so only the folder can be what stops the second.
    const env = { TOBETEXT_LOCAL_DIR: dir, PORT: "0" };
    const first = runNode(["infra/local/start.ts"], env);
    await first.line((line) => line.startsWith("Ctrl-C stops everything"));
    const state = await readLocalState(dir);
    if (!state) throw new Error("npm start wrote no stack.json");
    const pid = first.child.pid as number;

    const second = runNode(["infra/local/start.ts"], env);
    expect(await second.exited).toBe(1);
    expect(second.output).toEqual([]);
    expect(second.errors).toEqual([
      `npm start: a local stack already runs in ${dir} (pid ${pid}, inbound SMS URL ${state.urls.inboundSms}); ` +
        `stop it with Ctrl-C in its terminal, or kill ${pid}`,
    ]);

    // The first still serves, on its own data.
    expect(await readLocalState(dir)).toEqual(state);
    const body = new URLSearchParams({ RecvNum: "01012341234", SendNum: "01056785678", Body: "still here" });
    const answer = await fetch(state.urls.inboundSms as string, { method: "POST", body });
    expect(answer.status).toBe(200);
    await eventually(
      () => scanTable(state, "inboundMessages"),
      (items) => items.some((item) => item.text === "still here"),
    );

    process.kill(pid, "SIGINT");
    expect(await first.exited).toBe(0);
    await expect(readFile(join(dir, "stack.lock"), "utf8")).rejects.toThrow();
    await expect(readFile(join(dir, "stack.json"), "utf8")).rejects.toThrow();
  }, 60_000);
});

describe("claiming a folder", () => {
  it("takes over a claim whose process is gone, as after a crash", async () => {
    const dir = await localDir();
    const gone = spawn(process.execPath, ["-e", ""]);
    await once(gone, "exit");
    await writeFile(join(dir, "stack.lock"), `${gone.pid}\n`);

    expect(await claimLocalDir(dir)).toBeUndefined();
    expect((await readFile(join(dir, "stack.lock"), "utf8")).trim()).toBe(String(process.pid));
    await clearLocalState(dir);
    await expect(readFile(join(dir, "stack.lock"), "utf8")).rejects.toThrow();
  });

  it.runIf(process.platform === "linux")(
    "takes over a claim whose pid now belongs to another program, never offering to kill it",
    async () => {
      const dir = await localDir();
      const other = runNode(["-e", "setInterval(() => {}, 1000)"]);
      await writeFile(join(dir, "stack.lock"), `${other.child.pid}\n`);

      expect(await claimLocalDir(dir)).toBeUndefined();
      await clearLocalState(dir);
    },
  );

  it("refuses a folder a running stack holds, naming it even before it has written its state", async () => {
    const dir = await localDir();
    // A process whose command line is npm start's, as one that is still starting.
    const starting = runNode(["-e", "setInterval(() => {}, 1000)", "infra/local/start.ts"]);
    await writeFile(join(dir, "stack.lock"), `${starting.child.pid}\n`);

    expect(await claimLocalDir(dir)).toEqual({ pid: starting.child.pid, state: undefined });
    expect((await readFile(join(dir, "stack.lock"), "utf8")).trim()).toBe(String(starting.child.pid));
  });
});
