import { describe, expect, it } from "vitest";
import type { InboundArrival, InboundSms } from "../../functions/domain/envelope.ts";
import {
  arrivalEntry,
  candidateRecords,
  contentOf,
  firstRecordIdOf,
  type InboundMessageRecord,
  keptWindows,
  type ListedWindow,
  lastArrivalOf,
  maxArrivalsPerRecord,
  maxListedWindows,
  nextStepAfterRefusal,
  takes,
  windowAround,
} from "../../functions/domain/inbound-message.ts";
import { inboundSms } from "../support/envelopes.ts";

const windowMs = 60 * 60 * 1000;
const t0 = Date.parse("2025-03-01T10:00:00.000Z");
const at = (offsetMs: number) => new Date(t0 + offsetMs).toISOString();

const sms = inboundSms({ sender: "010-1234-5678", recipient: "821098765432", prefix: "TOBE", text: "hi" });
const arrival = (arrivalId: string, receivedAt: string, content: InboundSms = sms): InboundArrival => ({
  arrivalId,
  receivedAt,
  sms: content,
});

describe("windowAround and takes", () => {
  const window = windowAround(at(0), windowMs);

  it.each([
    ["exactly one window length before the first arrival", -windowMs, true],
    ["just before that", -windowMs - 1, false],
    ["at the first arrival", 0, true],
    ["one millisecond before the window ends", windowMs - 1, true],
    ["exactly at the window end", windowMs, false],
  ])("an arrival %s: taken %s", (_label, offset, taken) => {
    expect(takes(window, at(offset))).toBe(taken);
  });
});

describe("contentOf", () => {
  it("takes a record's content from the arrival that makes it", () => {
    expect(contentOf(arrival("d1", at(0)), "fp")).toEqual({
      sender: "+821012345678",
      senderAsSent: "010-1234-5678",
      recipient: "+821098765432",
      recipientAsSent: "821098765432",
      prefix: "TOBE",
      text: "hi",
      fields: sms.fields,
      charset: "utf-8",
      bodyFormat: "form-urlencoded",
      flags: [],
      fingerprint: "fp",
    });
  });

  it("keeps undecodable fields only when there are some", () => {
    expect(contentOf(arrival("d1", at(0), { ...sms, undecodable: { Body: "wMc=" } }), "fp").undecodableFields).toEqual({
      Body: "wMc=",
    });
    expect(contentOf(arrival("d1", at(0)), "fp")).not.toHaveProperty("undecodableFields");
  });
});

describe("firstRecordIdOf and lastArrivalOf", () => {
  it("names a first window's record after its fingerprint, the same for every arrival", () => {
    const fingerprint = "a".repeat(32) + "b".repeat(32);
    expect(firstRecordIdOf(fingerprint)).toBe("a".repeat(32));
  });

  it("finds the latest arrival whatever order the list is in", () => {
    const arrivals = [
      arrivalEntry({ arrivalId: "d2", receivedAt: at(9000) }),
      arrivalEntry({ arrivalId: "d1", receivedAt: at(0) }),
    ];
    expect(lastArrivalOf({ arrivals })).toBe(at(9000));
  });
});

describe("nextStepAfterRefusal", () => {
  const record = (overrides: Partial<InboundMessageRecord> = {}) => ({
    ...windowAround(at(0), windowMs),
    firstArrivalAt: at(0),
    arrivals: [arrivalEntry({ arrivalId: "d1", receivedAt: at(0) })],
    ...overrides,
  });

  it("is done when the record lists the arrival already (an SQS redelivery)", () => {
    expect(nextStepAfterRefusal(record(), { arrivalId: "d1", receivedAt: at(0) })).toBe("counted");
  });

  it("counts an arrival earlier than the record's first by moving the first back", () => {
    expect(nextStepAfterRefusal(record(), { arrivalId: "d0", receivedAt: at(-1000) })).toBe("moving-first-back");
  });

  it("counts again as usual when the record changed under the write but still takes it", () => {
    expect(nextStepAfterRefusal(record(), { arrivalId: "d2", receivedAt: at(1000) })).toBe("as-usual");
  });

  it.each([
    ["after its window", { arrivalId: "d2", receivedAt: at(windowMs) }, record()],
    ["before its window", { arrivalId: "d2", receivedAt: at(-windowMs - 1) }, record()],
    [
      "when it is full",
      { arrivalId: "d2", receivedAt: at(1000) },
      record({ arrivals: Array.from({ length: maxArrivalsPerRecord }, (_, index) => `${at(0)} x${index}`) }),
    ],
  ])("looks elsewhere for an arrival %s", (_label, refused, current) => {
    expect(nextStepAfterRefusal(current, refused)).toBe("elsewhere");
  });
});

describe("candidateRecords", () => {
  const listed = (messageId: string, firstOffset: number): ListedWindow => ({
    messageId,
    ...windowAround(at(firstOffset), windowMs),
  });

  it("tries the record the arrival opened itself first, then every window that takes it in listed order", () => {
    const windows = [listed("late", 3 * windowMs), listed("early", 2 * windowMs), listed("mine", 10 * windowMs)];
    const candidates = candidateRecords(windows, { arrivalId: "mine", receivedAt: at(2.5 * windowMs) });
    expect(candidates.map((window) => window.messageId)).toEqual(["mine", "late", "early"]);
  });

  it("offers nothing when no window takes the arrival", () => {
    expect(candidateRecords([listed("w", 0)], { arrivalId: "d", receivedAt: at(5 * windowMs) })).toEqual([]);
  });
});

describe("keptWindows", () => {
  const lifetimeMs = 25 * 24 * windowMs;
  const listed = (messageId: string, firstOffset: number): ListedWindow => ({
    messageId,
    ...windowAround(at(firstOffset), windowMs),
  });

  it("drops the windows closed longer than a queued request's lifetime before this arrival, keeping the order", () => {
    const windows = [listed("b", 2 * lifetimeMs), listed("old", 0), listed("a", lifetimeMs)];
    const kept = keptWindows(windows, at(2 * lifetimeMs), lifetimeMs);
    expect(kept.map((window) => window.messageId)).toEqual(["b", "a"]);
  });

  it("keeps at most maxListedWindows, the last listed", () => {
    const windows = Array.from({ length: maxListedWindows + 3 }, (_, index) => listed(`w${index}`, index * 1000));
    const kept = keptWindows(windows, at(0), lifetimeMs);
    expect(kept).toHaveLength(maxListedWindows);
    expect(kept[0]?.messageId).toBe("w3");
  });
});
