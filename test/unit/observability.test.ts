import type { LogItem } from "@aws-lambda-powertools/logger";
import type { UnformattedAttributes } from "@aws-lambda-powertools/logger/types";
import { describe, expect, it } from "vitest";
import { clip, LeanLogFormatter, maskPhone } from "../../functions/observability.ts";
import { lambdaContext } from "../support/sqs.ts";

const digitsOf = (value: string | undefined) => (value ?? "").replace(/\D/g, "");

describe("maskPhone", () => {
  it.each([
    ["+821012345678", "+82********78"],
    ["010-1234-5678", "01*******78"],
    ["+82 10-1234-5678", "+82********78"],
    ["+16502530000", "+16*******00"],
    ["12345", "12*45"],
  ])("masks %j as %j", (phone, masked) => {
    expect(maskPhone(phone)).toBe(masked);
  });

  it.each([
    ["+821012345678", "10123456"],
    ["010-9876-5432", "9876"],
    ["+16502530000", "5025300"],
  ])("keeps at most the first 2 and last 2 digits of %j (the middle %s is gone)", (phone, middle) => {
    const masked = maskPhone(phone);
    const digits = digitsOf(masked);
    expect(digits.length).toBeLessThanOrEqual(4);
    expect(digits).toBe(digitsOf(phone).slice(0, 2) + digitsOf(phone).slice(-2));
    expect(masked).not.toContain(middle);
    // The masked form still has one character per digit, so numbers of different lengths stay apart.
    expect(masked?.replace(/[^\d*]/g, "")).toHaveLength(digitsOf(phone).length);
  });

  it.each(["1234", "12", "1"])("hides every digit of the short number %j", (phone) => {
    expect(digitsOf(maskPhone(phone))).toBe("");
    expect(maskPhone(phone)).toBe("*".repeat(phone.length));
  });

  it.each([
    ["undefined", undefined],
    ["empty", ""],
  ])("leaves %s as it is", (_label, phone) => {
    expect(maskPhone(phone)).toBe(phone);
  });
});

describe("clip", () => {
  const jsonBytes = (value: string) => Buffer.byteLength(JSON.stringify(value), "utf8") - 2;

  it.each([
    ["0123456789abcdef0123456789abcdef", 40],
    ["", 8],
    ["안녕", 6],
  ])("leaves %j, which fits in %d bytes, as it is", (value, maxBytes) => {
    expect(clip(value, maxBytes)).toBe(value);
  });

  it.each([
    ["ASCII", "x".repeat(256)],
    ["Korean", "가".repeat(100)],
    ["characters JSON escapes", '\u0001"'.repeat(60)],
    ["astral characters and lone surrogates", "😀\ud800".repeat(40)],
  ])("cuts %s to the byte budget, escapes included, marked with …", (_label, value) => {
    for (const maxBytes of [8, 40, 48]) {
      const clipped = clip(value, maxBytes);
      expect(jsonBytes(clipped), `${maxBytes}`).toBeLessThanOrEqual(maxBytes);
      expect(clipped.endsWith("…")).toBe(true);
      expect(value.startsWith(clipped.slice(0, -1))).toBe(true);
    }
  });

  it("leaves undefined as it is", () => {
    expect(clip(undefined, 8)).toBeUndefined();
  });
});

describe("LeanLogFormatter", () => {
  const context = lambdaContext("ToBeTextReceiver-prod-InboundSms");
  const attributes = (coldStart: boolean): UnformattedAttributes => ({
    logLevel: "INFO",
    timestamp: new Date("2026-01-01T09:00:00.000Z"),
    message: "inbound SMS queued",
    serviceName: "ToBeTextReceiver-prod",
    awsRegion: "ap-northeast-2",
    sampleRateValue: 0,
    xRayTraceId: "1-5759e988-bd862e3fe1be46a994272793",
    lambdaContext: {
      functionName: context.functionName,
      functionVersion: context.functionVersion,
      invokedFunctionArn: context.invokedFunctionArn,
      memoryLimitInMB: context.memoryLimitInMB,
      awsRequestId: context.awsRequestId,
      coldStart,
    },
  });
  const line = (item: LogItem) => {
    item.prepareForPrint();
    return item.getAttributes();
  };

  it("keeps the level, message, time and Lambda request id, then the keys added, and nothing per function", () => {
    const formatted = line(new LeanLogFormatter().formatAttributes(attributes(false), { arrivalId: "a-1" }));
    expect(formatted).toEqual({
      level: "INFO",
      message: "inbound SMS queued",
      timestamp: "2026-01-01T09:00:00.000Z",
      requestId: "aws-request-id",
      arrivalId: "a-1",
    });
    expect(Object.keys(formatted)).toEqual(["level", "message", "timestamp", "requestId", "arrivalId"]);
  });

  it("says cold_start only on a cold start", () => {
    expect(line(new LeanLogFormatter().formatAttributes(attributes(true), {}))).toMatchObject({ cold_start: true });
  });

  it("formats errors as Powertools does when there is no source map to apply", () => {
    const error = new Error("outer", { cause: new TypeError("inner") });
    const formatted = new LeanLogFormatter().formatError(error);
    expect(formatted).toMatchObject({ name: "Error", message: "outer", stack: error.stack });
    expect(formatted.cause).toMatchObject({ name: "TypeError", message: "inner" });
  });
});
