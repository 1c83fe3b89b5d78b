import { describe, expect, it } from "vitest";
import type { DedupeWindow, InboundDelivery, InboundMessageRecord } from "../../functions/domain/inbound-delivery.ts";
import { maxListedDeliveries } from "../../functions/domain/inbound-delivery.ts";
import type { DeliveryAssignment } from "../../functions/use-cases/delivery-markers.ts";
import { type InboundMessagePorts, recordInboundDelivery } from "../../functions/use-cases/record-inbound-delivery.ts";
import { inboundSms } from "../support/envelopes.ts";

const windowMs = 60_000;
const t0 = Date.parse("2026-01-01T00:00:00.000Z");
const at = (offsetMs: number) => new Date(t0 + offsetMs).toISOString();

const sms = inboundSms({ sender: "01012345678", recipient: "821098765432", prefix: "TOBE", text: "네" });
const delivery = (deliveryId: string, offsetMs: number, body = sms.fields.Body): InboundDelivery => ({
  deliveryId,
  receivedAt: at(offsetMs),
  sms: { ...sms, fields: { ...sms.fields, Body: body ?? "" } },
});

/** The ports over plain maps: the use case's logic alone, storage semantics as DynamoDB's (last write wins). */
function memoryPorts() {
  const assignments = new Map<string, DeliveryAssignment>();
  const windows = new Map<string, DedupeWindow[]>();
  const messages = new Map<string, InboundMessageRecord>();
  const ports: InboundMessagePorts = {
    findAssignment: async (deliveryId) => assignments.get(deliveryId),
    rememberAssignment: async (deliveryId, assignment) => void assignments.set(deliveryId, assignment),
    updateWindows: async (fingerprint, change) => {
      const next = change(windows.get(fingerprint) ?? []);
      if (next) windows.set(fingerprint, next);
    },
    updateMessage: async (messageId, change) => {
      const next = change(messages.get(messageId));
      if (next) messages.set(messageId, next);
      return messages.get(messageId);
    },
  };
  return { ports, messages, assignments };
}

describe("recordInboundDelivery", () => {
  it("counts retries inside the window on the first message and opens a new one after it", async () => {
    const { ports, messages } = memoryPorts();
    const first = await recordInboundDelivery(delivery("d1", 0), ports, windowMs);
    const retry = await recordInboundDelivery(delivery("d2", 30_000), ports, windowMs);
    const later = await recordInboundDelivery(delivery("d3", windowMs + 1), ports, windowMs);

    expect(first).toMatchObject({ messageId: "d1", counted: true, duplicate: false });
    expect(retry).toMatchObject({ messageId: "d1", counted: true, duplicate: true });
    expect(later).toMatchObject({ messageId: "d3", counted: true, duplicate: false });
    expect(messages.get("d1")?.deliveryCount).toBe(2);
    expect(messages.get("d3")?.deliveryCount).toBe(1);
  });

  it("keeps different bodies apart", async () => {
    const { ports, messages } = memoryPorts();
    await recordInboundDelivery(delivery("d1", 0, "TOBE 네"), ports, windowMs);
    await recordInboundDelivery(delivery("d2", 1, "TOBE 아니오"), ports, windowMs);
    expect([...messages.keys()].sort()).toEqual(["d1", "d2"]);
  });

  it("changes nothing when the same delivery is processed again", async () => {
    const { ports, messages } = memoryPorts();
    await recordInboundDelivery(delivery("d1", 0), ports, windowMs);
    const again = await recordInboundDelivery(delivery("d1", 0), ports, windowMs);
    expect(again).toMatchObject({ messageId: "d1", counted: false, duplicate: false });
    expect(messages.get("d1")?.deliveryCount).toBe(1);
  });

  it("does not count again a redelivery of a delivery that has left the record's capped list", async () => {
    const { ports, messages } = memoryPorts();
    const total = maxListedDeliveries + 5;
    for (let index = 0; index < total; index++) {
      await recordInboundDelivery(delivery(`d${index}`, index), ports, windowMs);
    }
    expect(messages.get("d0")?.deliveries.some((listed) => listed.deliveryId === "d0")).toBe(false);

    const again = await recordInboundDelivery(delivery("d0", 0), ports, windowMs);
    expect(again.counted).toBe(false);
    expect(messages.get("d0")?.deliveryCount).toBe(total);
  });

  it("counts a delivery whose earlier processing stopped after the assignment but before the count", async () => {
    const { ports, messages, assignments } = memoryPorts();
    // The marker was written, then the function died: the record was never touched.
    assignments.set("d1", { recordId: "d1", counted: false });
    const recorded = await recordInboundDelivery(delivery("d1", 0), ports, windowMs);
    expect(recorded.counted).toBe(true);
    expect(messages.get("d1")?.deliveryCount).toBe(1);
    expect(assignments.get("d1")).toEqual({ recordId: "d1", counted: true });
  });
});
