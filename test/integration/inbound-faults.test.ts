import { afterAll, beforeAll, expect, it } from "vitest";
import { rawForm, startTestPipeline, type TestPipeline } from "../support/pipeline.ts";

let pipeline: TestPipeline;
const formHeaders = { "content-type": "application/x-www-form-urlencoded" };

beforeAll(async () => {
  pipeline = await startTestPipeline({ settings: { TOBETEXT_PREFIXES: "TOBE", TOBETEXT_NUMBERS: "" } });
});

afterAll(async () => {
  await pipeline?.stop();
});

it("answers 5xx when SQS cannot take the message, so ToBeText retries, and stores nothing", async () => {
  await pipeline.stack.stopSqs();

  const accepted = await pipeline.post(
    pipeline.stack.urls.inboundSms,
    rawForm([
      ["RecvNum", "821012341234"],
      ["SendNum", "01070001111"],
      ["Body", "TOBE 큐 장애"],
    ]),
    formHeaders,
  );
  expect(accepted.status).toBe(503);
  expect(accepted.result).toMatchObject({ Status: "Failed", ErrorCode: "503" });
  // Nothing internal reaches the caller.
  expect(accepted.text).not.toMatch(/ECONNREFUSED|stack|at \w+ \(/);

  // A bad request whose rejection cannot be kept is not answered 4xx either: it must come again.
  const rejected = await pipeline.post(pipeline.stack.urls.inboundSms, "SendNum=x", formHeaders);
  expect(rejected.status).toBe(503);

  expect(await pipeline.scan("inboundMessages")).toEqual([]);
  expect(await pipeline.scan("rejectedRequests")).toEqual([]);
});
