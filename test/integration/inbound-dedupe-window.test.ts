import { afterAll, beforeAll, expect, it } from "vitest";
import { listedArrivals, rawForm, startTestPipeline, type TestPipeline } from "../support/pipeline.ts";

const windowSeconds = 2;
let pipeline: TestPipeline;

beforeAll(async () => {
  pipeline = await startTestPipeline({
    settings: { TOBETEXT_PREFIXES: "TOBE", TOBETEXT_NUMBERS: "", DEDUPE_WINDOW_SECONDS: String(windowSeconds) },
  });
});

afterAll(async () => {
  await pipeline?.stop();
});

it("counts a repeat inside the window as a retry, and the same text after it as a new message", async () => {
  const body = rawForm([
    ["RecvNum", "821012341234"],
    ["SendNum", "01070002222"],
    ["Body", "TOBE YES"],
  ]);
  const post = () =>
    pipeline.post(pipeline.stack.urls.inboundSms, body, { "content-type": "application/x-www-form-urlencoded" });

  const first = await post();
  const retry = await post();
  expect([first.status, retry.status]).toEqual([200, 200]);
  await pipeline.eventually(
    () => pipeline.scan("inboundMessages"),
    (items) => items.length === 1 && items[0]?.deliveryCount === 2,
  );

  await new Promise((resolve) => setTimeout(resolve, windowSeconds * 1000 + 200));
  const later = await post();
  expect(later.status).toBe(200);

  const records = await pipeline.eventually(
    () => pipeline.scan("inboundMessages"),
    (items) => items.length === 2,
  );
  const byFirstArrival = records.sort((a, b) => String(a.firstArrivalAt).localeCompare(String(b.firstArrivalAt)));
  expect(byFirstArrival.map((record) => record.deliveryCount)).toEqual([2, 1]);
  const [retried, fresh] = byFirstArrival;
  // An SMS's first window is named after the SMS; a later window after the arrival that opened it.
  expect(retried?.messageId).toBe(String(retried?.fingerprint).slice(0, 32));
  expect(fresh?.messageId).toBe(later.result?.MsgId);
  expect(
    listedArrivals(retried)
      .map((entry) => entry.split(" ")[1])
      .sort(),
  ).toEqual([first.result?.MsgId, retry.result?.MsgId].sort());
});
