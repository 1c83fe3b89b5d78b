/**
 * `npm run replay` through the local stack, as a person runs it: `npm start` refuses SMS to a receiving
 * number not (yet) in TOBETEXT_NUMBERS; the configuration is fixed, which for functions that read their
 * settings at start means a new start (a new process, on the same data); the kept rejections are then
 * replayed against it, by id and since a time. Each stack runs in a process of its own, as `npm start` does.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStackState, readLocalState } from "../../infra/local/state.ts";
import {
  findRejections,
  type KeptRejection,
  localReplayTarget,
  type ReplayTarget,
  replayRejections,
} from "../../infra/tools/replay.ts";
import { eventually, killAll, runNode, scanTable } from "./fixtures/processes.ts";

const ours = "01012341234";
const added = "01099998888";
const never = "01077776666";
const sender = "01056785678";

type Item = Record<string, unknown>;

/** ToBeText's answer: status, ErrorCode and MsgId (the rejection's id when refused). */
async function post(url: string, fields: Record<string, string>) {
  const response = await fetch(url, {
    method: "POST",
    body: new URLSearchParams(fields).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  const text = await response.text();
  const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1] ?? "";
  return { status: response.status, errorCode: field("ErrorCode"), msgId: field("MsgId") };
}

/** `npm start` on `dir`, with these numbers; its state once it serves. */
async function start(dir: string, numbers: string) {
  const run = runNode(["infra/local/start.ts"], {
    TOBETEXT_LOCAL_DIR: dir,
    PORT: "0",
    TOBETEXT_SIMULATOR_PORT: "0",
    TOBETEXT_NUMBERS: numbers,
    TOBETEXT_PREFIXES: "TEST",
    TOBETEXT_URL_SECRETS: "replay-test-url-secret-0123456789",
  });
  await run.line((line) => line.startsWith("Ctrl-C stops everything"));
  const state = (await readLocalState(dir)) as LocalStackState;
  return { run, state, url: state.urls.inboundSms as string };
}

const byText = (items: Item[], body: string) =>
  items.filter((item) => (item.fields as Record<string, string> | undefined)?.Body === body);
const arrivalsOf = (item: Item | undefined) => [...((item?.arrivals as Set<string> | undefined) ?? [])].sort();

describe("npm run replay -- --rejected", () => {
  let dir: string;
  let state: LocalStackState;
  let target: ReplayTarget;
  let before: string;
  /** Rejection ids (the MsgId answered), by what they were. */
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tobetext-replay-"));
    before = new Date(Date.now() - 1000).toISOString();
    const refusing = await start(dir, ours);
    const refused = {
      first: { RecvNum: added, SendNum: sender, Body: "TEST first" },
      second: { RecvNum: added, SendNum: sender, Body: "TEST second" },
      third: { RecvNum: added, SendNum: sender, Body: "TEST third" },
      retried: { RecvNum: added, SendNum: sender, Body: "TEST retried" },
      // Still refused today: a number that stays unconfigured; a Body empty (numbers are checked first).
      unconfigured: { RecvNum: never, SendNum: sender, Body: "TEST never" },
      empty: { RecvNum: added, SendNum: sender, Body: "" },
      // Refused for no setting: --since leaves it alone.
      badSender: { RecvNum: added, SendNum: "not-a-number", Body: "TEST bad sender" },
    };
    for (const [name, fields] of Object.entries(refused)) {
      const answer = await post(refusing.url, fields);
      expect(answer, name).toMatchObject({ status: 400, errorCode: "2004" });
      ids[name] = answer.msgId;
    }
    await eventually(
      () => scanTable(refusing.state, "rejectedRequests"),
      (items) => items.length === Object.keys(refused).length,
    );
    // The configuration is fixed: a new start, as a redeploy is, on the same tables and queues.
    process.kill(refusing.run.child.pid as number, "SIGINT");
    expect(await refusing.run.exited).toBe(0);
    const fixed = await start(dir, `${ours},${added}`);
    state = fixed.state;
    target = localReplayTarget(state);

    // ToBeText sent "retried" again (it was refused), and now it is accepted: stored as an arrival of its own.
    const retry = await post(fixed.url, refused.retried);
    expect(retry).toMatchObject({ status: 200, errorCode: "200" });
    ids.retry = retry.msgId;
    // A status callback naming no message: refused (2001) for no setting, and never replayed.
    const callback = await fetch(fixed.state.urls.statusCallback as string, {
      method: "POST",
      body: "Status=Success&ErrorCode=200",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(callback.status).toBe(400);
    ids.callback = /<MsgId>([^<]*)<\/MsgId>/.exec(await callback.text())?.[1] ?? "";
    await eventually(
      () => scanTable(state, "inboundMessages"),
      (items) => byText(items, "TEST retried").length === 1,
    );
  }, 60_000);

  afterAll(async () => {
    target?.close();
    await killAll();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const rejection = async (id: string) =>
    (await scanTable(state, "rejectedRequests")).find((item) => item.rejectionId === id) as KeptRejection & Item;

  it("by id: stores a request refused for a receiving number now configured, as the arrival it was", async () => {
    const kept = await rejection(ids.first as string);
    const [line] = await replayRejections(target, await findRejections(target, { ids: [ids.first as string] }), 20_000);
    expect(line).toMatchObject({ rejectionId: ids.first, outcome: "stored", deliveryCount: 1 });

    const [record] = byText(await scanTable(state, "inboundMessages"), "TEST first");
    expect(record).toMatchObject({
      messageId: line?.outcome === "stored" && line.messageId,
      recipient: "+821099998888",
    });
    expect(record).toMatchObject({ prefix: "TEST", text: "first", deliveryCount: 1, firstArrivalAt: kept.receivedAt });
    // Its original time and the MsgId it was answered with: the arrival ToBeText made.
    expect(arrivalsOf(record)).toEqual([`${kept.receivedAt} ${ids.first}`]);
    // The rejection says what became of it, and keeps why it was refused then.
    expect(await rejection(ids.first as string)).toMatchObject({
      reason: "RecvNum is not one of this receiver's numbers",
      replayedAt: expect.any(String),
      replay: { outcome: "stored", messageId: record?.messageId, deliveryCount: 1 },
    });
  });

  it("by id again: stored once, its count unchanged", async () => {
    const [line] = await replayRejections(target, await findRejections(target, { ids: [ids.first as string] }), 20_000);
    expect(line).toMatchObject({ outcome: "stored", deliveryCount: 1 });
    const records = byText(await scanTable(state, "inboundMessages"), "TEST first");
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ deliveryCount: 1 });
    expect(arrivalsOf(records[0])).toHaveLength(1);
  });

  it("of a request ToBeText retried and that was stored meanwhile: counted on that message, as a retry is", async () => {
    const kept = await rejection(ids.retried as string);
    const [line] = await replayRejections(
      target,
      await findRejections(target, { ids: [ids.retried as string] }),
      20_000,
    );
    const records = byText(await scanTable(state, "inboundMessages"), "TEST retried");
    expect(records).toHaveLength(1);
    const [record] = records;
    expect(line).toMatchObject({ outcome: "stored", messageId: record?.messageId, deliveryCount: 2 });
    // The refused arrival came first: the record's first arrival moves back to it.
    expect(record).toMatchObject({ deliveryCount: 2, firstArrivalAt: kept.receivedAt });
    expect(arrivalsOf(record)).toEqual(
      [`${kept.receivedAt} ${ids.retried}`, expect.stringMatching(new RegExp(` ${ids.retry}$`))].sort(),
    );
  });

  it("--since: replays every request a setting refused since then; what is still wrong stays rejected with today's reason", async () => {
    const selected = await findRejections(target, { since: before });
    // Those refused for their receiving number, not the one refused for its sender.
    expect(selected.map((item) => item.rejectionId).sort()).toEqual(
      [ids.first, ids.second, ids.third, ids.retried, ids.unconfigured, ids.empty].sort(),
    );
    const lines = await replayRejections(target, selected, 20_000);
    const outcome = (id: string | undefined) => lines.find((line) => line.rejectionId === id);
    expect(outcome(ids.second)).toMatchObject({ outcome: "stored", deliveryCount: 1 });
    expect(outcome(ids.third)).toMatchObject({ outcome: "stored", deliveryCount: 1 });
    expect(outcome(ids.first)).toMatchObject({ outcome: "stored", deliveryCount: 1 });
    expect(outcome(ids.retried)).toMatchObject({ outcome: "stored", deliveryCount: 2 });
    expect(outcome(ids.unconfigured)).toMatchObject({ outcome: "rejected", errorCode: 2004 });
    expect(outcome(ids.empty)).toMatchObject({ outcome: "rejected", errorCode: 2005, reason: "Body is empty" });

    const stored = await scanTable(state, "inboundMessages");
    for (const text of ["TEST first", "TEST second", "TEST third", "TEST retried"]) {
      expect(byText(stored, text), text).toHaveLength(1);
    }
    expect(byText(stored, "TEST never")).toEqual([]);
    expect(byText(stored, "TEST retried")[0]).toMatchObject({ deliveryCount: 2 });
    // Kept, with today's reason beside the first one.
    expect(await rejection(ids.empty as string)).toMatchObject({
      reason: "RecvNum is not one of this receiver's numbers",
      replay: { outcome: "rejected", errorCode: 2005, reason: "Body is empty" },
    });
    expect((await rejection(ids.badSender as string)).replay).toBeUndefined();
  });

  it("runs as npm run replay against the running npm start, and npm run records -- --rejected shows the outcomes", async () => {
    const env = { TOBETEXT_LOCAL_DIR: dir };
    const byId = runNode(["infra/tools/replay.ts", "--rejected", "--id", ids.second as string], env);
    expect(await byId.exited).toBe(0);
    expect(byId.output.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ rejectionId: ids.second, outcome: "stored", deliveryCount: 1 }),
    ]);

    const since = runNode(["infra/tools/replay.ts", "--rejected", "--since", "1h"], env);
    expect(await since.exited).toBe(1);
    expect(since.output).toHaveLength(6);

    const unknown = runNode(["infra/tools/replay.ts", "--rejected", "--id", "no-such-id"], env);
    expect(await unknown.exited).toBe(2);
    expect(unknown.errors).toEqual([expect.stringMatching(/^npm run replay: no rejection no-such-id in /)]);

    await eventually(
      () => scanTable(state, "rejectedRequests"),
      (items) => items.some((item) => item.rejectionId === ids.callback),
    );
    const callback = runNode(["infra/tools/replay.ts", "--rejected", "--id", ids.callback as string], env);
    expect(await callback.exited).toBe(2);
    expect(callback.errors).toEqual([
      expect.stringMatching(/is a statusCallback request: only inbound SMS are replayed/),
    ]);

    const records = runNode(["infra/tools/records.ts", "--rejected"], env);
    expect(await records.exited).toBe(0);
    /** The listing's line for a rejection: a rejection it does not list fails here, whatever is asked of its line. */
    const row = (id: string | undefined) => {
      expect(id, "a rejection id kept by the setup").toMatch(/^\S+$/);
      const line = records.output.find((line) => line.includes(id as string));
      expect(line, `npm run records -- --rejected lists no line for rejection ${id}`).toBeDefined();
      return line as string;
    };
    expect(row(ids.third)).toMatch(/stored as [0-9a-f]{32} /);
    expect(row(ids.empty)).toMatch(/still rejected: 2005 Body is empty/);
    expect(row(ids.badSender)).not.toMatch(/stored|still rejected/);
  });
});
