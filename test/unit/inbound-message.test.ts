import { describe, expect, it } from "vitest";
import type { InboundArrival, InboundSms } from "../../functions/domain/envelope.ts";
import {
  countArrival,
  type DedupeWindow,
  decideMessage,
  type InboundMessageRecord,
  keptWindows,
  maxKeptWindows,
  maxListedDeliveries,
} from "../../functions/domain/inbound-message.ts";
import { inboundSms } from "../support/envelopes.ts";

const windowMs = 60 * 60 * 1000;
const t0 = Date.parse("2025-03-01T10:00:00.000Z");
const at = (offsetMs: number) => new Date(t0 + offsetMs).toISOString();

const window: DedupeWindow = { messageId: "owner", firstArrivalAt: at(0), windowEndsAt: at(windowMs) };

describe("decideMessage", () => {
  it("opens a window for a new message named after the delivery when none is open", () => {
    expect(decideMessage([], { arrivalId: "d1", receivedAt: at(0) }, windowMs)).toEqual({
      messageId: "d1",
      openWindow: { messageId: "d1", firstArrivalAt: at(0), windowEndsAt: at(windowMs) },
    });
  });

  it.each([
    ["at the window's first arrival", 0],
    ["inside the window", 30 * 60 * 1000],
    ["one millisecond before the window ends", windowMs - 1],
  ])("joins the window's message when it arrives %s", (_label, offset) => {
    expect(decideMessage([window], { arrivalId: "d2", receivedAt: at(offset) }, windowMs)).toEqual({
      messageId: "owner",
    });
  });

  it.each([
    ["exactly at the window end", windowMs],
    ["after the window end", windowMs + 5 * 60 * 1000],
  ])("opens a new window and message when it arrives %s", (_label, offset) => {
    expect(decideMessage([window], { arrivalId: "d3", receivedAt: at(offset) }, windowMs)).toEqual({
      messageId: "d3",
      openWindow: { messageId: "d3", firstArrivalAt: at(offset), windowEndsAt: at(offset + windowMs) },
    });
  });

  it("gives the owner seen again its own message without a new window, even after the window end", () => {
    expect(decideMessage([window], { arrivalId: "owner", receivedAt: at(0) }, windowMs)).toEqual({
      messageId: "owner",
    });
    const late = decideMessage([window], { arrivalId: "owner", receivedAt: at(2 * windowMs) }, windowMs);
    expect(late).toEqual({ messageId: "owner" });
    expect(late.openWindow).toBeUndefined();
  });

  it.each([
    ["shortly before", -60 * 1000],
    ["exactly one window length before", -windowMs],
  ])("joins when it arrives out of order, %s the window's first arrival", (_label, offset) => {
    expect(decideMessage([window], { arrivalId: "d4", receivedAt: at(offset) }, windowMs)).toEqual({
      messageId: "owner",
    });
  });

  it("gives a delivery from long before the window a message and a window of its own", () => {
    const decision = decideMessage([window], { arrivalId: "d5", receivedAt: at(-windowMs - 1) }, windowMs);
    expect(decision).toEqual({
      messageId: "d5",
      openWindow: { messageId: "d5", firstArrivalAt: at(-windowMs - 1), windowEndsAt: at(-1) },
    });
  });

  const later: DedupeWindow = { messageId: "repeat", firstArrivalAt: at(3 * windowMs), windowEndsAt: at(4 * windowMs) };

  it("finds the window of a retry redriven after a genuine repeat opened a later window", () => {
    expect(decideMessage([window, later], { arrivalId: "retry", receivedAt: at(60_000) }, windowMs)).toEqual({
      messageId: "owner",
    });
    expect(decideMessage([window, later], { arrivalId: "r2", receivedAt: at(3 * windowMs + 1) }, windowMs)).toEqual({
      messageId: "repeat",
    });
  });

  it("between two windows, joins the one it precedes by at most a window length", () => {
    expect(decideMessage([window, later], { arrivalId: "d6", receivedAt: at(2 * windowMs) }, windowMs)).toEqual({
      messageId: "repeat",
    });
    expect(decideMessage([window, later], { arrivalId: "d7", receivedAt: at(windowMs + 1) }, windowMs)).toMatchObject({
      messageId: "d7",
    });
  });
});

describe("keptWindows", () => {
  const lifetimeMs = 10 * windowMs;
  const windowAt = (startMs: number, id: string): DedupeWindow => ({
    messageId: id,
    firstArrivalAt: at(startMs),
    windowEndsAt: at(startMs + windowMs),
  });

  it("drops the windows that ended longer than a queued request's lifetime before this arrival; sorts the rest", () => {
    const old = windowAt(0, "old");
    const recent = windowAt(20 * windowMs, "recent");
    const newest = windowAt(30 * windowMs, "newest");
    expect(keptWindows([newest, old, recent], at(30 * windowMs), lifetimeMs)).toEqual([recent, newest]);
  });

  it("keeps at most maxKeptWindows, the newest", () => {
    const many = Array.from({ length: maxKeptWindows + 3 }, (_, index) => windowAt(index * 2 * windowMs, `w${index}`));
    const kept = keptWindows(many, at(many.length * 2 * windowMs), Number.MAX_SAFE_INTEGER);
    expect(kept).toHaveLength(maxKeptWindows);
    expect(kept[0]?.messageId).toBe("w3");
  });
});

const sms = inboundSms({
  sender: "010-1234-5678",
  recipient: "821098765432",
  prefix: "TOBE",
  text: "hi",
  extraFields: { Ckey: "k1" },
  flags: ["UNKNOWN_PREFIX"],
});

const arrival = (arrivalId: string, receivedAt: string, withSms: InboundSms = sms): InboundArrival => ({
  arrivalId,
  receivedAt,
  sms: withSms,
});

function counted(
  current: InboundMessageRecord | undefined,
  next: InboundArrival,
  messageId = "m1",
): InboundMessageRecord {
  const record = countArrival(current, next, messageId, "fp");
  if (record === undefined) throw new Error(`arrival ${next.arrivalId} was not counted`);
  return record;
}

describe("countArrival", () => {
  it("creates the record from the first delivery with every field", () => {
    expect(countArrival(undefined, arrival("d1", at(0)), "m1", "fp")).toEqual({
      messageId: "m1",
      sender: "+821012345678",
      senderAsSent: "010-1234-5678",
      recipient: "+821098765432",
      recipientAsSent: "821098765432",
      prefix: "TOBE",
      text: "hi",
      fields: sms.fields,
      charset: "utf-8",
      bodyFormat: "form-urlencoded",
      flags: ["UNKNOWN_PREFIX"],
      deliveryCount: 1,
      firstArrivalAt: at(0),
      lastArrivalAt: at(0),
      deliveries: [{ deliveryId: "d1", arrivedAt: at(0) }],
      fingerprint: "fp",
    });
  });

  it("keeps undecodable fields on the record only when there are some", () => {
    const withBytes: InboundSms = { ...sms, undecodable: { Body: "wMc=" } };
    expect(counted(undefined, arrival("d1", at(0), withBytes)).undecodableFields).toEqual({ Body: "wMc=" });
    expect(counted(undefined, arrival("d1", at(0)))).not.toHaveProperty("undecodableFields");
  });

  it("counts a second delivery and lists it after the first", () => {
    const first = counted(undefined, arrival("d1", at(0)));
    const second = counted(first, arrival("d2", at(1000)));
    expect(second).toEqual({
      ...first,
      deliveryCount: 2,
      firstArrivalAt: at(0),
      lastArrivalAt: at(1000),
      deliveries: [
        { deliveryId: "d1", arrivedAt: at(0) },
        { deliveryId: "d2", arrivedAt: at(1000) },
      ],
    });
  });

  it("keeps the earliest first arrival and the latest last arrival when deliveries come out of order", () => {
    const first = counted(undefined, arrival("d2", at(5000)));
    const earlier = counted(first, arrival("d1", at(1000)));
    const later = counted(earlier, arrival("d3", at(9000)));
    const between = counted(later, arrival("d4", at(3000)));
    expect(between).toMatchObject({ deliveryCount: 4, firstArrivalAt: at(1000), lastArrivalAt: at(9000) });
    expect(between.deliveries.map((listed) => listed.deliveryId)).toEqual(["d1", "d4", "d2", "d3"]);
  });

  it("does not change the record it is given", () => {
    const first = counted(undefined, arrival("d1", at(0)));
    const snapshot = structuredClone(first);
    counted(first, arrival("d2", at(1000)));
    expect(first).toEqual(snapshot);
  });

  it.each([
    ["the first delivery", "d1"],
    ["a later delivery", "d2"],
  ])("returns undefined when %s is counted again", (_label, arrivalId) => {
    const record = counted(counted(undefined, arrival("d1", at(0))), arrival("d2", at(1000)));
    expect(countArrival(record, arrival(arrivalId, at(0)), "m1", "fp")).toBeUndefined();
  });

  describe("with more deliveries than it lists", () => {
    const total = maxListedDeliveries + 5;
    const ids = Array.from({ length: total }, (_, index) => `d${index}`);
    const record = ids.reduce<InboundMessageRecord | undefined>(
      (current, id, index) => counted(current, arrival(id, at(index * 1000))),
      undefined,
    );

    it("lists only the latest maxListedDeliveries, oldest first, while counting them all", () => {
      expect(record?.deliveryCount).toBe(total);
      expect(record?.deliveries).toHaveLength(maxListedDeliveries);
      expect(record?.deliveries.map((listed) => listed.deliveryId)).toEqual(ids.slice(-maxListedDeliveries));
      expect(record?.firstArrivalAt).toBe(at(0));
      expect(record?.lastArrivalAt).toBe(at((total - 1) * 1000));
    });

    it("still recognises a listed delivery seen again", () => {
      expect(countArrival(record, arrival(`d${total - 1}`, at((total - 1) * 1000)), "m1", "fp")).toBeUndefined();
    });

    it("cannot tell a delivery that has dropped off the list: the use case's marker must", () => {
      // d0 was counted but is no longer listed; test/unit/record-inbound-arrival.test.ts shows
      // that recordInboundArrival does not count its redelivery again.
      expect(countArrival(record, arrival("d0", at(0)), "m1", "fp")?.deliveryCount).toBe(total + 1);
    });
  });
});
