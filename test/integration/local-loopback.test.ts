/**
 * What `npm start` runs is reachable from this machine only: the API front, DynamoDB (dynalite) and
 * SQS (fauxqs, which binds every interface unless told otherwise) listen on loopback. Read from
 * the kernel's socket table (Linux), so no traffic leaves the machine to check it.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPipeline, type TestPipeline } from "../support/pipeline.ts";

let pipeline: TestPipeline;

beforeAll(async () => {
  pipeline = await startTestPipeline({ dynamoDb: "dynalite" });
});

afterAll(async () => {
  await pipeline?.stop();
});

/** The local addresses listening on `port`, as the kernel lists them (hex, e.g. 0100007F for 127.0.0.1). */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  return ["/proc/net/tcp", "/proc/net/tcp6"].flatMap((table) =>
    readFileSync(table, "utf8")
      .split("\n")
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter(([, local, , state]) => local?.endsWith(`:${hexPort}`) && state === "0A")
      .map(([, local]) => (local ?? "").split(":")[0] ?? ""),
  );
}

describe("the local stack", () => {
  it.each([
    ["the API front", () => pipeline.stack.urls.inboundSms],
    ["DynamoDB (dynalite)", () => pipeline.stack.dynamoDbEndpoint],
    ["SQS (fauxqs)", () => pipeline.stack.sqsEndpoint],
  ])("serves %s on 127.0.0.1 only", (_name, url) => {
    const port = Number(new URL(url()).port);
    expect(listeningAddresses(port)).toEqual(["0100007F"]);
  });
});
