import { afterAll, beforeAll, expect, it } from "vitest";
import { rawForm, startTestPipeline, type TestPipeline } from "../support/pipeline.ts";

let pipeline: TestPipeline;

beforeAll(async () => {
  pipeline = await startTestPipeline({
    settings: {
      TOBETEXT_PREFIXES: "TOBE",
      TOBETEXT_NUMBERS: "",
      TOBETEXT_ALLOWED_CIDRS: "203.0.113.0/24,127.0.0.1/32",
    },
  });
});

afterAll(async () => {
  await pipeline?.stop();
});

it("lets a caller inside the allowlist through", async () => {
  const body = rawForm([
    ["RecvNum", "821012341234"],
    ["SendNum", "01070004444"],
    ["Body", "TOBE 허용 목록 안"],
  ]);
  const response = await pipeline.post(pipeline.stack.urls.inboundSms, body, {
    "content-type": "application/x-www-form-urlencoded",
  });
  expect(response.status).toBe(200);
  await pipeline.eventually(
    () => pipeline.scan("inboundMessages"),
    (items) => items.length === 1,
  );
});
