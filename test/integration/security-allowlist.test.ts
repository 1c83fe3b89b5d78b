import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { rawForm, startTestPipeline, type TestPipeline } from "../support/pipeline.ts";

let pipeline: TestPipeline;

beforeAll(async () => {
  // Loopback has all of 127.0.0.0/8: a caller from 127.0.0.2 is outside this allowlist, one from 127.0.0.1 inside.
  pipeline = await startTestPipeline({
    settings: {
      TOBETEXT_PREFIXES: "TOBE",
      TOBETEXT_NUMBERS: "",
      TOBETEXT_ALLOWED_CIDRS: "127.0.0.1/32, 2001:db8::/32",
    },
  });
});

afterAll(async () => {
  await pipeline?.stop();
});

/** A form POST from a chosen local address, so the front reports that address as the caller's. */
function postFrom(localAddress: string, url: string, body: Buffer): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: "POST",
        localAddress,
        headers: { "content-type": "application/x-www-form-urlencoded", "content-length": body.length },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("end", () => resolve({ status: answer.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

const sms = (sender: string) =>
  rawForm([
    ["RecvNum", "821012341234"],
    ["SendNum", sender],
    ["Body", "TOBE 허용 목록"],
  ]);

it("refuses a caller outside the address allowlist with 403, even with the right secret, and enqueues nothing", async () => {
  for (const url of [pipeline.stack.urls.inboundSms, pipeline.stack.urls.statusCallback]) {
    const response = await postFrom("127.0.0.2", url, sms("01070003333"));
    expect(response.status).toBe(403);
    expect(JSON.parse(response.text)).toEqual({ message: "Forbidden" });
  }
  expect(await pipeline.queueDepth("inboundSms")).toBe(0);
  expect(await pipeline.queueDepth("statusCallbacks")).toBe(0);
  expect(await pipeline.scan("rejectedRequests")).toEqual([]);
});

it("lets a caller inside the allowlist through", async () => {
  const response = await postFrom("127.0.0.1", pipeline.stack.urls.inboundSms, sms("01070004444"));
  expect(response.status).toBe(200);
  const [record] = await pipeline.eventually(
    () => pipeline.scan("inboundMessages"),
    (items) => items.length === 1,
  );
  expect(record?.sender).toBe("+821070004444");
});
