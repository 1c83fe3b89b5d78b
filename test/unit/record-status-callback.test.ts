import { describe, expect, it } from "vitest";
import { type DeliveryReport, maxListedCallbacks } from "../../functions/domain/delivery-report.ts";
import type { CallbackArrival } from "../../functions/domain/envelope.ts";
import type { StatusCallback } from "../../functions/domain/status-callback.ts";
import { type ArrivalAssignment, dedupeStateLifetimeMs } from "../../functions/use-cases/arrival-markers.ts";
import { type DeliveryReportPorts, recordStatusCallback } from "../../functions/use-cases/record-status-callback.ts";

const t0 = Date.parse("2026-01-01T09:00:00.000Z");
const at = (offsetMs: number) => new Date(t0 + offsetMs).toISOString();

const success: StatusCallback = {
  fields: { MsgId: "m-1", CKey: "order-42", Status: "Success", ErrorCode: "200", ErrorMsg: "delivered" },
  undecodable: {},
  charset: "utf-8",
  format: "form-urlencoded",
  msgId: "m-1",
  cKey: "order-42",
  status: "Success",
  errorCode: "200",
  errorMeaning: "Success: delivered",
  outcome: "delivered",
  errorMsg: "delivered",
  sendNum: { asSent: "821012341234", e164: "+821012341234" },
  recvNum: { asSent: "01098765432", e164: "+821098765432" },
};

const arrival = (arrivalId: string, offsetMs: number, callback: StatusCallback = success): CallbackArrival => ({
  arrivalId,
  receivedAt: at(offsetMs),
  callback,
});

interface MarkerWrite {
  arrivalId: string;
  assignment: ArrivalAssignment;
  keepUntil: Date;
}

/** The ports over plain maps: the use case's logic alone, storage semantics as DynamoDB's (last write wins). */
function memoryPorts() {
  const assignments = new Map<string, ArrivalAssignment>();
  const reports = new Map<string, DeliveryReport>();
  const markerWrites: MarkerWrite[] = [];
  const events: string[] = [];
  const ports: DeliveryReportPorts = {
    findAssignment: async (arrivalId) => assignments.get(arrivalId),
    rememberAssignment: async (arrivalId, assignment, keepUntil) => {
      events.push(`marker ${arrivalId}`);
      markerWrites.push({ arrivalId, assignment, keepUntil });
      assignments.set(arrivalId, assignment);
    },
    updateReport: async (recordId, change) => {
      events.push(`update ${recordId}`);
      const current = reports.get(recordId);
      const next = change(current);
      if (next === undefined) return current;
      reports.set(recordId, next);
      return next;
    },
  };
  return { ports, assignments, reports, markerWrites, events };
}

describe("recordStatusCallback", () => {
  it("counts a callback once on the record keyed by its MsgId", async () => {
    const { ports, reports } = memoryPorts();
    const recorded = await recordStatusCallback(arrival("d1", 0), ports);
    expect(recorded.recordId).toBe("MsgId#m-1");
    expect(recorded.counted).toBe(true);
    expect(recorded.report).toMatchObject({ recordId: "MsgId#m-1", status: "Success", callbackCount: 1 });
    expect(reports.get("MsgId#m-1")).toEqual(recorded.report);
    expect([...reports.keys()]).toEqual(["MsgId#m-1"]);
  });

  it("keys a callback without MsgId by its CKey", async () => {
    const { ports, reports } = memoryPorts();
    const { msgId: _msgId, ...withoutMsgId } = success;
    const recorded = await recordStatusCallback(arrival("d1", 0, withoutMsgId), ports);
    expect(recorded.recordId).toBe("CKey#order-42");
    expect(reports.get("CKey#order-42")?.callbackCount).toBe(1);
  });

  it("counts different deliveries of one message on the same record", async () => {
    const { ports, reports } = memoryPorts();
    await recordStatusCallback(arrival("d1", 0), ports);
    const second = await recordStatusCallback(arrival("d2", 60_000), ports);
    expect(second.counted).toBe(true);
    expect(reports.get("MsgId#m-1")).toMatchObject({ callbackCount: 2, history: [{ count: 2 }] });
  });

  it("changes nothing when the same delivery is processed again", async () => {
    const { ports, reports } = memoryPorts();
    await recordStatusCallback(arrival("d1", 0), ports);
    const before = structuredClone(reports.get("MsgId#m-1"));

    const again = await recordStatusCallback(arrival("d1", 0), ports);
    expect(again.counted).toBe(false);
    expect(again.recordId).toBe("MsgId#m-1");
    expect(reports.get("MsgId#m-1")).toEqual(before);
    expect(reports.get("MsgId#m-1")?.callbackCount).toBe(1);
  });

  it("does not count a delivery the record lists even when its marker was never written", async () => {
    const { ports, reports, assignments } = memoryPorts();
    await recordStatusCallback(arrival("d1", 0), ports);
    // The record was updated, then the function died before writing the marker.
    assignments.delete("d1");
    const before = structuredClone(reports.get("MsgId#m-1"));

    const again = await recordStatusCallback(arrival("d1", 0), ports);
    expect(again.counted).toBe(false);
    expect(reports.get("MsgId#m-1")).toEqual(before);
    expect(assignments.get("d1")).toEqual({ recordId: "MsgId#m-1", counted: true });
  });

  it("skips a delivery whose marker says counted although the record no longer lists it", async () => {
    const { ports, reports } = memoryPorts();
    const total = maxListedCallbacks + 5;
    for (let index = 0; index < total; index++) {
      await recordStatusCallback(arrival(`d${index}`, index * 1000), ports);
    }
    const report = reports.get("MsgId#m-1");
    expect(report?.callbacks.some((listed) => listed.deliveryId === "d0")).toBe(false);
    expect(report?.callbackCount).toBe(total);

    const again = await recordStatusCallback(arrival("d0", 0), ports);
    expect(again).toEqual({ recordId: "MsgId#m-1", counted: false, report: undefined });
    expect(reports.get("MsgId#m-1")?.callbackCount).toBe(total);
  });

  it("does not touch the record at all when the marker says counted", async () => {
    const { ports, assignments, events } = memoryPorts();
    assignments.set("d1", { recordId: "MsgId#m-1", counted: true });
    const recorded = await recordStatusCallback(arrival("d1", 0), ports);
    expect(recorded.counted).toBe(false);
    expect(events).toEqual([]);
  });

  it("counts a delivery whose marker says not counted yet", async () => {
    const { ports, assignments, reports } = memoryPorts();
    assignments.set("d1", { recordId: "MsgId#m-1", counted: false });
    const recorded = await recordStatusCallback(arrival("d1", 0), ports);
    expect(recorded.counted).toBe(true);
    expect(reports.get("MsgId#m-1")?.callbackCount).toBe(1);
  });

  it("writes the marker, counted, after updating the record, kept a marker lifetime past arrival", async () => {
    const { ports, markerWrites, events } = memoryPorts();
    await recordStatusCallback(arrival("d1", 5_000), ports);
    expect(events).toEqual(["update MsgId#m-1", "marker d1"]);
    expect(markerWrites).toEqual([
      {
        arrivalId: "d1",
        assignment: { recordId: "MsgId#m-1", counted: true },
        keepUntil: new Date(t0 + 5_000 + dedupeStateLifetimeMs),
      },
    ]);
  });

  it("writes no marker when the record update fails, so a redelivery counts it", async () => {
    const { ports, assignments, reports } = memoryPorts();
    const failing: DeliveryReportPorts = {
      ...ports,
      updateReport: async () => {
        throw new Error("throttled");
      },
    };
    await expect(recordStatusCallback(arrival("d1", 0), failing)).rejects.toThrow("throttled");
    expect(assignments.has("d1")).toBe(false);

    const retried = await recordStatusCallback(arrival("d1", 0), ports);
    expect(retried.counted).toBe(true);
    expect(reports.get("MsgId#m-1")?.callbackCount).toBe(1);
  });
});
