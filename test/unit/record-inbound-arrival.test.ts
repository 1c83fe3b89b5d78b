import { describe, expect, it } from "vitest";
import type { InboundArrival } from "../../functions/domain/envelope.ts";
import {
  type DedupeWindow,
  type InboundMessageRecord,
  maxListedDeliveries,
} from "../../functions/domain/inbound-message.ts";
import type { ArrivalAssignment } from "../../functions/use-cases/arrival-markers.ts";
import { type InboundMessagePorts, recordInboundArrival } from "../../functions/use-cases/record-inbound-arrival.ts";
import { queues } from "../../infra/topology.ts";
import { inboundSms } from "../support/envelopes.ts";

const windowMs = 60_000;
const t0 = Date.parse("2026-01-01T00:00:00.000Z");
const at = (offsetMs: number) => new Date(t0 + offsetMs).toISOString();

const sms = inboundSms({ sender: "01012345678", recipient: "821098765432", prefix: "TOBE", text: "네" });
const arrival = (arrivalId: string, offsetMs: number, body = sms.fields.Body): InboundArrival => ({
  arrivalId,
  receivedAt: at(offsetMs),
  sms: { ...sms, fields: { ...sms.fields, Body: body ?? "" } },
});

/** The ports over plain maps: the use case's logic alone, storage semantics as DynamoDB's (last write wins). */
function memoryPorts() {
  const assignments = new Map<string, ArrivalAssignment>();
  const windows = new Map<string, DedupeWindow[]>();
  const messages = new Map<string, InboundMessageRecord>();
  /** How long each piece of dedupe state was asked to be kept. */
  const keptUntil: { kind: "marker" | "windows"; until: Date }[] = [];
  const ports: InboundMessagePorts = {
    findAssignment: async (arrivalId) => assignments.get(arrivalId),
    rememberAssignment: async (arrivalId, assignment, keepUntil) => {
      assignments.set(arrivalId, assignment);
      keptUntil.push({ kind: "marker", until: keepUntil });
    },
    updateWindows: async (fingerprint, change, keepUntil) => {
      const next = change(windows.get(fingerprint) ?? []);
      if (next) {
        windows.set(fingerprint, next);
        keptUntil.push({ kind: "windows", until: keepUntil(next) });
      }
    },
    updateMessage: async (messageId, change) => {
      const next = change(messages.get(messageId));
      if (next) messages.set(messageId, next);
      return messages.get(messageId);
    },
  };
  return { ports, messages, assignments, windows, keptUntil };
}

describe("recordInboundArrival", () => {
  it("counts retries inside the window on the first message and opens a new one after it", async () => {
    const { ports, messages } = memoryPorts();
    const first = await recordInboundArrival(arrival("d1", 0), ports, windowMs);
    const retry = await recordInboundArrival(arrival("d2", 30_000), ports, windowMs);
    const later = await recordInboundArrival(arrival("d3", windowMs + 1), ports, windowMs);

    expect(first).toMatchObject({ messageId: "d1", counted: true, duplicate: false });
    expect(retry).toMatchObject({ messageId: "d1", counted: true, duplicate: true });
    expect(later).toMatchObject({ messageId: "d3", counted: true, duplicate: false });
    expect(messages.get("d1")?.deliveryCount).toBe(2);
    expect(messages.get("d3")?.deliveryCount).toBe(1);
  });

  it("keeps different bodies apart", async () => {
    const { ports, messages } = memoryPorts();
    await recordInboundArrival(arrival("d1", 0, "TOBE 네"), ports, windowMs);
    await recordInboundArrival(arrival("d2", 1, "TOBE 아니오"), ports, windowMs);
    expect([...messages.keys()].sort()).toEqual(["d1", "d2"]);
  });

  it("changes nothing when the same delivery is processed again", async () => {
    const { ports, messages } = memoryPorts();
    await recordInboundArrival(arrival("d1", 0), ports, windowMs);
    const again = await recordInboundArrival(arrival("d1", 0), ports, windowMs);
    expect(again).toMatchObject({ messageId: "d1", counted: false, duplicate: false });
    expect(messages.get("d1")?.deliveryCount).toBe(1);
  });

  it("does not count again a redelivery of a delivery that has left the record's capped list", async () => {
    const { ports, messages } = memoryPorts();
    const total = maxListedDeliveries + 5;
    for (let index = 0; index < total; index++) {
      await recordInboundArrival(arrival(`d${index}`, index), ports, windowMs);
    }
    expect(messages.get("d0")?.deliveries.some((listed) => listed.deliveryId === "d0")).toBe(false);

    const again = await recordInboundArrival(arrival("d0", 0), ports, windowMs);
    expect(again.counted).toBe(false);
    expect(messages.get("d0")?.deliveryCount).toBe(total);
  });

  it("counts a retry redriven after a genuine repeat opened a later window on its first message", async () => {
    const { ports, messages } = memoryPorts();
    await recordInboundArrival(arrival("first", 0), ports, windowMs);
    await recordInboundArrival(arrival("repeat", 3 * windowMs), ports, windowMs);
    // The retry arrived a second after the first, was dead-lettered, and is redriven now.
    const redriven = await recordInboundArrival(arrival("retry", 1_000), ports, windowMs);
    expect(redriven).toMatchObject({ messageId: "first", counted: true, duplicate: true });
    expect(messages.get("first")?.deliveryCount).toBe(2);
    expect(messages.get("repeat")?.deliveryCount).toBe(1);
    expect(messages.has("retry")).toBe(false);
  });

  it("keeps windows and markers for as long as a dead letter can still be redriven", async () => {
    const { ports, keptUntil } = memoryPorts();
    await recordInboundArrival(arrival("d1", 0), ports, windowMs);
    const { retentionDays, deadLetterRetentionDays } = queues.inboundSms;
    const longestLife = t0 + (retentionDays + deadLetterRetentionDays) * 86_400_000;
    expect(keptUntil.map((kept) => kept.kind).sort()).toEqual(["marker", "marker", "windows"]);
    for (const kept of keptUntil) expect(kept.until.getTime()).toBeGreaterThan(longestLife + windowMs);
  });

  it("counts a delivery whose earlier processing stopped after the assignment but before the count", async () => {
    const { ports, messages, assignments } = memoryPorts();
    // The marker was written, then the function died: the record was never touched.
    assignments.set("d1", { recordId: "d1", counted: false });
    const recorded = await recordInboundArrival(arrival("d1", 0), ports, windowMs);
    expect(recorded.counted).toBe(true);
    expect(messages.get("d1")?.deliveryCount).toBe(1);
    expect(assignments.get("d1")).toEqual({ recordId: "d1", counted: true });
  });
});
