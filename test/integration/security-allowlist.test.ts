import { afterAll, beforeAll, expect, it } from "vitest";
import { rawForm, startTestPipeline, type TestPipeline } from "../support/pipeline.ts";

let pipeline: TestPipeline;

beforeAll(async () => {
  // The local front reports the caller as 127.0.0.1, which this allowlist leaves out.
  pipeline = await startTestPipeline({
    settings: {
      TOBETEXT_PREFIXES: "TOBE",
      TOBETEXT_NUMBERS: "",
      TOBETEXT_ALLOWED_CIDRS: "203.0.113.0/24, 2001:db8::/32",
    },
  });
});

afterAll(async () => {
  await pipeline?.stop();
});

it("refuses a caller outside the address allowlist with 403, even with the right secret, and enqueues nothing", async () => {
  const body = rawForm([
    ["RecvNum", "821012341234"],
    ["SendNum", "01070003333"],
    ["Body", "TOBE 허용 목록 밖"],
  ]);
  for (const url of [pipeline.stack.urls.inboundSms, pipeline.stack.urls.statusCallback]) {
    const response = await pipeline.post(url, body, { "content-type": "application/x-www-form-urlencoded" });
    expect(response.status).toBe(403);
    expect(JSON.parse(response.text)).toEqual({ message: "Forbidden" });
  }
  expect(await pipeline.queueDepth("inboundSms")).toBe(0);
  expect(await pipeline.queueDepth("statusCallbacks")).toBe(0);
  expect(await pipeline.scan("rejectedRequests")).toEqual([]);
});
