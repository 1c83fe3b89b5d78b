/**
 * Nothing acknowledged is ever lost, locally too: `npm start` keeps its queues on disk beside its tables,
 * so an SMS answered 200 is stored after a Ctrl-C (a graceful stop) or a crash (SIGKILL), once the stack
 * runs again on the same data. Each stack runs in a process of its own, as `npm start` does.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { LocalStackState } from "../../infra/local/state.ts";
import { readLocalState } from "../../infra/local/state.ts";
import { queues } from "../../infra/topology.ts";
import {
  eventually,
  killAll,
  killGroup,
  queueAttributes,
  queueDepth,
  runNode,
  scanTable,
  startStackProcess,
} from "./fixtures/processes.ts";

const form = (text: string) =>
  new URLSearchParams({ RecvNum: "01012341234", SendNum: "01056785678", Body: text }).toString();
const formHeaders = { "content-type": "application/x-www-form-urlencoded" };
const texts = (label: string, count: number) =>
  Array.from({ length: count }, (_, index) => `${label} ${String(index).padStart(3, "0")}`);

const dataDirs: string[] = [];
async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tobetext-durability-"));
  dataDirs.push(dir);
  return dir;
}

afterEach(async () => {
  await killAll();
  await Promise.all(dataDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Posts one SMS per text, all at once, and expects every one acknowledged. */
async function postAll(url: string, bodies: string[]): Promise<void> {
  const statuses = await Promise.all(
    bodies.map(async (body) => {
      const response = await fetch(url, { method: "POST", body: form(body), headers: formHeaders });
      await response.arrayBuffer();
      return response.status;
    }),
  );
  expect(statuses).toEqual(bodies.map(() => 200));
}

/** The Body of every stored inbound SMS, sorted, once there are at least `count`. */
async function storedBodies(state: LocalStackState, count: number): Promise<string[]> {
  const items = await eventually(
    () => scanTable(state, "inboundMessages"),
    (items) => items.length >= count,
    (items) => `${items.length} records`,
  );
  return items.map((item) => String((item.fields as Record<string, string>).Body)).sort();
}

describe("npm start, stopped with Ctrl-C", () => {
  it("loses none of a burst acknowledged just before: all are stored after the next start", async () => {
    const dir = await dataDir();
    const env = { TOBETEXT_LOCAL_DIR: dir, PORT: "0" };
    const sent = texts("burst", 100);

    const first = runNode(["infra/local/start.ts"], env);
    const url = (await first.line((line) => line.includes("inbound SMS URL"))).split(" ").at(-1) as string;
    await postAll(url, sent);
    process.kill(first.child.pid as number, "SIGINT");
    expect(await first.exited).toBe(0);
    expect(first.output).toContain("stopped");

    const second = runNode(["infra/local/start.ts"], env);
    await second.line((line) => line.startsWith("Ctrl-C stops everything"));
    const state = await readLocalState(dir);
    if (!state) throw new Error("npm start wrote no stack.json");
    expect(await storedBodies(state, sent.length)).toEqual(sent);
    await eventually(
      () => queueDepth(state, "inboundSms"),
      (depth) => depth === 0,
    );
    process.kill(second.child.pid as number, "SIGINT");
    expect(await second.exited).toBe(0);
  }, 60_000);
});

describe("a local stack stopped gracefully", () => {
  it("keeps queued messages on disk, and its queues take the topology's attributes when these changed", async () => {
    const dir = await dataDir();
    const sent = texts("queued", 20);
    // No processors: every acknowledged message is still queued when the stack stops.
    const first = await startStackProcess({
      dataDir: dir,
      processors: false,
      queueOverrides: { visibilityTimeoutSeconds: 1, maxReceiveCount: 2 },
    });
    await postAll(first.state.urls.inboundSms as string, sent);
    expect(await queueDepth(first.state, "inboundSms")).toBe(sent.length);
    expect(await scanTable(first.state, "inboundMessages")).toEqual([]);
    process.kill(first.child.pid as number, "SIGINT");
    expect(await first.exited).toBe(0);

    const second = await startStackProcess({ dataDir: dir });
    expect(await storedBodies(second.state, sent.length)).toEqual(sent);
    const { inboundSms } = queues;
    expect(await queueAttributes(second.state, second.state.queueUrls.inboundSms as string)).toMatchObject({
      VisibilityTimeout: String(inboundSms.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(inboundSms.retentionDays * 86_400),
      MaximumMessageSize: String(inboundSms.maxMessageBytes),
      RedrivePolicy: expect.stringContaining(`"maxReceiveCount":${inboundSms.maxReceiveCount}`),
    });
    expect(await queueAttributes(second.state, second.state.deadLetterQueueUrls.inboundSms as string)).toMatchObject({
      MessageRetentionPeriod: String(inboundSms.deadLetterRetentionDays * 86_400),
      MaximumMessageSize: String(inboundSms.maxMessageBytes),
    });
  }, 60_000);

  it("answers a request in progress before it stops, and keeps its message; new connections are refused", async () => {
    const dir = await dataDir();
    const first = await startStackProcess({ dataDir: dir, processors: false });
    const url = first.state.urls.inboundSms as string;
    const body = form("in progress");

    // With Expect: 100-continue the front confirms it has the request before the body is sent, so the
    // stop begins while the request is surely in progress.
    const answer = await new Promise<{ status: number; text: string; connection: string | undefined }>(
      (resolveAnswer, reject) => {
        const request = httpRequest(
          url,
          {
            method: "POST",
            headers: { ...formHeaders, "content-length": Buffer.byteLength(body), expect: "100-continue" },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on("data", (chunk: Buffer) => chunks.push(chunk));
            response.on("end", () =>
              resolveAnswer({
                status: response.statusCode ?? 0,
                text: Buffer.concat(chunks).toString(),
                connection: response.headers.connection,
              }),
            );
          },
        );
        request.on("error", reject);
        request.on("continue", async () => {
          try {
            process.kill(first.child.pid as number, "SIGINT");
            await first.line((line) => line === "stopping");
            const late = await fetch(url, { method: "POST", body: form("too late"), headers: formHeaders }).then(
              () => "served",
              () => "refused",
            );
            if (late !== "refused") throw new Error("a new request was served while stopping");
            request.end(body);
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    expect(answer.status).toBe(200);
    expect(answer.text).toContain("<Status>Success</Status>");
    expect(answer.connection).toBe("close");
    expect(await first.exited).toBe(0);

    const second = await startStackProcess({ dataDir: dir });
    expect(await storedBodies(second.state, 1)).toEqual(["in progress"]);
  }, 60_000);
});

describe("a local stack that crashes (SIGKILL: no shutdown code runs)", () => {
  // Messages a processor held at the kill come back after the visibility timeout, as on SQS: short here.
  const queueOverrides = { visibilityTimeoutSeconds: 2 };

  it.each([
    { processors: false, what: "all still queued" },
    { processors: true, what: "some being processed" },
  ])(
    "loses none of the SMS acknowledged before it ($what)",
    async ({ processors }) => {
      const dir = await dataDir();
      const sent = texts(`crash ${processors}`, 30);
      const first = await startStackProcess({ dataDir: dir, processors, queueOverrides });
      await postAll(first.state.urls.inboundSms as string, sent);
      await killGroup(first.child);

      const second = await startStackProcess({ dataDir: dir, queueOverrides });
      expect(await storedBodies(second.state, sent.length)).toEqual(sent);
    },
    60_000,
  );
});
