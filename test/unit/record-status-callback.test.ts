import { describe, expect, it } from "vitest";
import { countCallback, type DeliveryReport, maxListedCallbacks } from "../../functions/domain/delivery-report.ts";
import type { CallbackArrival } from "../../functions/domain/envelope.ts";
import type { SentMessage } from "../../functions/domain/sent-message.ts";
import type { StatusCallback } from "../../functions/domain/status-callback.ts";
import { type ArrivalAssignment, dedupeStateLifetimeMs } from "../../functions/use-cases/arrival-markers.ts";
import {
  type DeliveryReportPorts,
  recordStatusCallback,
  type StoredDeliveryReport,
} from "../../functions/use-cases/record-status-callback.ts";
import { shuffled } from "../support/shuffled.ts";

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

/**
 * The ports over plain maps: the use case's logic alone, storage semantics as DynamoDB's (last
 * write wins). `loseNextWrites` makes that many record writes lose to a concurrent writer: the
 * change runs again, as under the optimistic lock.
 */
function memoryPorts() {
  const assignments = new Map<string, ArrivalAssignment>();
  const reports = new Map<string, StoredDeliveryReport>();
  const markerWrites: MarkerWrite[] = [];
  const events: string[] = [];
  const contention = { loseNextWrites: 0 };
  const ports: DeliveryReportPorts = {
    findAssignment: async (arrivalId) => {
      events.push(`find marker ${arrivalId}`);
      return assignments.get(arrivalId);
    },
    rememberAssignment: async (arrivalId, assignment, keepUntil) => {
      events.push(`marker ${arrivalId}`);
      markerWrites.push({ arrivalId, assignment, keepUntil });
      assignments.set(arrivalId, assignment);
    },
    updateReport: async (recordId, change) => {
      for (;;) {
        events.push(`read ${recordId}`);
        const current = reports.get(recordId);
        const next = await change(current);
        if (next === undefined) return current;
        if (contention.loseNextWrites > 0) {
          contention.loseNextWrites--;
          continue;
        }
        events.push(`write ${recordId}`);
        reports.set(recordId, next);
        return next;
      }
    },
  };
  return { ports, assignments, reports, markerWrites, events, contention };
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
    const first = await recordStatusCallback(arrival("d1", 0), ports);
    expect(first.stored).toEqual(first.report);
    const before = structuredClone(reports.get("MsgId#m-1"));

    const again = await recordStatusCallback(arrival("d1", 0), ports);
    expect(again.counted).toBe(false);
    expect(again.recordId).toBe("MsgId#m-1");
    expect(again.report).toBeUndefined();
    expect(again.stored).toEqual(before);
    expect(reports.get("MsgId#m-1")).toEqual(before);
    expect(reports.get("MsgId#m-1")?.callbackCount).toBe(1);
  });

  it("recognises a delivery the record lists by the record alone: no marker read or written", async () => {
    const { ports, reports, assignments, events } = memoryPorts();
    await recordStatusCallback(arrival("d1", 0), ports);
    await recordStatusCallback(arrival("d2", 1000), ports);
    const before = structuredClone(reports.get("MsgId#m-1"));
    events.length = 0;

    const again = await recordStatusCallback(arrival("d1", 0), ports);
    expect(again.counted).toBe(false);
    expect(reports.get("MsgId#m-1")).toEqual(before);
    expect(events).toEqual(["read MsgId#m-1"]);
    expect(assignments.size).toBe(0);
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
    // The record as stored comes back: a redelivery resumes from it without reading it again.
    expect(again).toEqual({ recordId: "MsgId#m-1", counted: false, report: undefined, stored: report });
    expect(reports.get("MsgId#m-1")?.callbackCount).toBe(total);
  });

  it("honours the markers of the previous version, which marked every callback", async () => {
    const { ports, reports, assignments, events } = memoryPorts();
    const total = maxListedCallbacks + 5;
    // As the previous version left it: the record folded by countCallback alone, every callback marked.
    let previous: DeliveryReport | undefined;
    for (let index = 0; index < total; index++) {
      previous = countCallback(previous, arrival(`d${index}`, (index + 1) * 1000), "MsgId#m-1");
      assignments.set(`d${index}`, { recordId: "MsgId#m-1", counted: true });
    }
    reports.set("MsgId#m-1", previous as DeliveryReport);

    expect((await recordStatusCallback(arrival("d2", 3000), ports)).counted).toBe(false);
    expect(events).toEqual(["read MsgId#m-1", "find marker d2"]);
    // Never counted, arrived before every listed one: its marker is looked for, and it is counted.
    expect((await recordStatusCallback(arrival("early", 0), ports)).counted).toBe(true);
    expect(reports.get("MsgId#m-1")?.callbackCount).toBe(total + 1);
  });

  it("reads no marker for a callback after the oldest listed one: had it been counted, it would be listed", async () => {
    const { ports, reports, events } = memoryPorts();
    for (let index = 0; index < maxListedCallbacks + 5; index++) {
      await recordStatusCallback(arrival(`d${index}`, index * 1000), ports);
    }
    events.length = 0;
    const recorded = await recordStatusCallback(arrival("new", 500_000), ports);
    expect(recorded.counted).toBe(true);
    expect(events).toEqual(["read MsgId#m-1", "marker d5", "write MsgId#m-1"]);
    expect(reports.get("MsgId#m-1")?.callbackCount).toBe(maxListedCallbacks + 6);
  });

  it("counts a delivery whose marker says not counted yet", async () => {
    const { ports, assignments, reports } = memoryPorts();
    assignments.set("d1", { recordId: "MsgId#m-1", counted: false });
    const recorded = await recordStatusCallback(arrival("d1", 0), ports);
    expect(recorded.counted).toBe(true);
    expect(reports.get("MsgId#m-1")?.callbackCount).toBe(1);
  });

  it("writes no marker while the record lists every callback it counted", async () => {
    const { ports, events } = memoryPorts();
    await recordStatusCallback(arrival("d1", 5_000), ports);
    await recordStatusCallback(arrival("d2", 6_000), ports);
    expect(events).toEqual(["read MsgId#m-1", "write MsgId#m-1", "read MsgId#m-1", "write MsgId#m-1"]);
  });

  it("marks a callback, counted, before the record stops listing it, kept a marker lifetime past its arrival", async () => {
    const { ports, markerWrites, events } = memoryPorts();
    for (let index = 0; index < maxListedCallbacks; index++) {
      await recordStatusCallback(arrival(`d${index}`, 5_000 + index * 1000), ports);
    }
    expect(markerWrites).toEqual([]);
    events.length = 0;

    await recordStatusCallback(arrival("next", 500_000), ports);
    expect(events).toEqual(["read MsgId#m-1", "marker d0", "write MsgId#m-1"]);
    expect(markerWrites).toEqual([
      {
        arrivalId: "d0",
        assignment: { recordId: "MsgId#m-1", counted: true },
        keepUntil: new Date(t0 + 5_000 + dedupeStateLifetimeMs),
      },
    ]);
  });

  it("counts a late callback older than every listed one, keeps it to mark, and marks it on the next write", async () => {
    const { ports, reports, assignments, events } = memoryPorts();
    for (let index = 0; index < maxListedCallbacks; index++) {
      await recordStatusCallback(arrival(`d${index}`, 10_000 + index * 1000), ports);
    }
    const late = await recordStatusCallback(arrival("late", 0), ports);
    expect(late.counted).toBe(true);
    const stored = reports.get("MsgId#m-1");
    expect(stored?.callbacks.some((listed) => listed.deliveryId === "late")).toBe(false);
    expect(stored?.callbacksToMark).toEqual([{ deliveryId: "late", arrivedAt: at(0) }]);
    // Not marked yet: a crash before the record write must leave it uncounted, and unmarked.
    expect(assignments.has("late")).toBe(false);
    expect((await recordStatusCallback(arrival("late", 0), ports)).counted).toBe(false);

    events.length = 0;
    await recordStatusCallback(arrival("next", 500_000), ports);
    expect(events).toEqual(["read MsgId#m-1", "marker d0", "marker late", "write MsgId#m-1"]);
    expect(reports.get("MsgId#m-1")?.callbacksToMark).toBeUndefined();
    expect((await recordStatusCallback(arrival("late", 0), ports)).counted).toBe(false);
    expect(reports.get("MsgId#m-1")?.callbackCount).toBe(maxListedCallbacks + 2);
  });

  it("when the record write loses to a concurrent writer, decides again on the newer record", async () => {
    const { ports, reports, events, contention } = memoryPorts();
    for (let index = 0; index < maxListedCallbacks; index++) {
      await recordStatusCallback(arrival(`d${index}`, index * 1000), ports);
    }
    events.length = 0;
    contention.loseNextWrites = 1;
    const recorded = await recordStatusCallback(arrival("next", 500_000), ports);
    expect(recorded.counted).toBe(true);
    // The marker written for the lost attempt is true all the same: d0 was counted on the record it read.
    expect(events).toEqual(["read MsgId#m-1", "marker d0", "read MsgId#m-1", "marker d0", "write MsgId#m-1"]);
    expect(reports.get("MsgId#m-1")?.callbackCount).toBe(maxListedCallbacks + 1);
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

describe("recordStatusCallback joining the sent message", () => {
  const sentOrder42: SentMessage = {
    ckey: "order-42",
    requestedAt: at(-60_000),
    requestId: "r",
    attempt: "a",
    sendOutcome: "sending",
    status: "sending",
  };
  /** `findSent` over a set of sent messages (by the record's CKey, else none), each look-up noted. */
  function findSentOver(records: SentMessage[]) {
    const lookups: string[] = [];
    const findSent = async (report: DeliveryReport) => {
      lookups.push(report.cKey ?? `(MsgId ${report.msgId})`);
      return records.find((record) => record.ckey === report.cKey);
    };
    return { findSent, lookups, records };
  }
  const { msgId: _msgId, ...withoutMsgId } = success;
  const { cKey: _cKey, ...withoutCKey } = success;

  it("a callback whose CKey names no sent message is an orphan; later ones look it up no more", async () => {
    const { ports, reports } = memoryPorts();
    const { findSent, lookups } = findSentOver([]);
    const first = await recordStatusCallback(arrival("d1", 0), ports, findSent);
    expect(first).toMatchObject({ counted: true, sent: undefined, report: { orphan: true, cKey: "order-42" } });
    expect(lookups).toEqual(["order-42"]);

    // A repeat, a different result, one naming the MsgId only: each counted, still an orphan, no look-up.
    for (const [id, callback] of [
      ["d2", success],
      ["d3", { ...success, status: "Failed", errorCode: "400", outcome: "failed" as const }],
      ["d4", withoutCKey],
    ] as const) {
      const recorded = await recordStatusCallback(arrival(id, 60_000, callback), ports, findSent);
      expect(recorded).toMatchObject({ counted: true, sent: undefined, report: { orphan: true } });
    }
    expect(lookups).toEqual(["order-42"]);
    expect(reports.get("MsgId#m-1")).toMatchObject({ callbackCount: 4, orphan: true });
    expect(reports.get("MsgId#m-1")?.sentCKey).toBeUndefined();
  });

  it("a CKey-keyed orphan looks its CKey up once", async () => {
    const { ports } = memoryPorts();
    const { findSent, lookups } = findSentOver([]);
    await recordStatusCallback(arrival("d1", 0, withoutMsgId), ports, findSent);
    await recordStatusCallback(arrival("d2", 1000, withoutMsgId), ports, findSent);
    expect(lookups).toEqual(["order-42"]);
  });

  it("an orphan known by its MsgId alone keeps looking: the sender may store the MsgId later", async () => {
    const { ports, reports } = memoryPorts();
    const sent = findSentOver([]);
    await recordStatusCallback(arrival("d1", 0, withoutCKey), ports, sent.findSent);
    await recordStatusCallback(arrival("d2", 1000, withoutCKey), ports, sent.findSent);
    expect(sent.lookups).toEqual(["(MsgId m-1)", "(MsgId m-1)"]);
    expect(reports.get("MsgId#m-1")).toMatchObject({ orphan: true });
  });

  it("a CKey that comes to an orphan known by its MsgId alone is looked up, and joins its message", async () => {
    // Callbacks before the send's answer: the first names only the MsgId, the next the CKey too.
    const { ports, reports } = memoryPorts();
    const { findSent, lookups } = findSentOver([sentOrder42]);
    const first = await recordStatusCallback(arrival("d1", 0, withoutCKey), ports, findSent);
    expect(first.report).toMatchObject({ orphan: true });
    const second = await recordStatusCallback(arrival("d2", 1000), ports, findSent);
    expect(second.sent).toEqual(sentOrder42);
    expect(lookups).toEqual(["(MsgId m-1)", "order-42"]);
    expect(reports.get("MsgId#m-1")).toMatchObject({ sentCKey: "order-42", cKey: "order-42" });
    expect(reports.get("MsgId#m-1")?.orphan).toBeUndefined();
  });

  it("a CKey earlier than the orphan's own is looked up", async () => {
    const { ports } = memoryPorts();
    const { findSent, lookups } = findSentOver([]);
    await recordStatusCallback(arrival("d1", 5000), ports, findSent);
    // Arrived first, with another CKey: the record's CKey becomes its, not looked up yet.
    await recordStatusCallback(arrival("d0", 0, { ...success, cKey: "order-43" }), ports, findSent);
    expect(lookups).toEqual(["order-42", "order-43"]);
  });

  it("a joined record keeps its sent message", async () => {
    const { ports, reports } = memoryPorts();
    const { findSent, lookups } = findSentOver([sentOrder42]);
    await recordStatusCallback(arrival("d1", 0), ports, findSent);
    const second = await recordStatusCallback(arrival("d2", 1000), ports, findSent);
    expect(second.sent).toEqual(sentOrder42);
    expect(lookups).toEqual(["order-42", "order-42"]);
    expect(reports.get("MsgId#m-1")).toMatchObject({ sentCKey: "order-42" });
  });
});

describe("recordStatusCallback past the listed callbacks' bound", () => {
  const results: StatusCallback[] = [
    { ...success, status: "Sending", errorCode: "999", errorMeaning: "Unknown error code", outcome: "unknown" },
    success,
    { ...success, status: "Failed", errorCode: "400", errorMeaning: "Failed", outcome: "failed", errorMsg: "failed" },
  ];
  const total = maxListedCallbacks + 30;
  /** Callbacks a few seconds apart, a few of them at the same instant, with three different results. */
  const arrivals = Array.from({ length: total }, (_, index) =>
    arrival(`d${index}`, Math.floor(index / 3) * 7_000, results[index % 7 === 0 ? 1 + (index % 2) : 0]),
  );

  const withoutMarkingState = ({ callbacksToMark: _toMark, ...report }: StoredDeliveryReport) => report;

  it.each([1, 2, 3, 4, 5])(
    "ends in the same record whatever the order, each callback counted once (order %i)",
    async (seed) => {
      const inOrder = memoryPorts();
      for (const next of arrivals) await recordStatusCallback(next, inOrder.ports);
      const expected = inOrder.reports.get("MsgId#m-1") as StoredDeliveryReport;
      expect(expected.callbackCount).toBe(total);

      // Every callback once or more (SQS redeliveries), all in a shuffled order.
      const { ports, reports } = memoryPorts();
      const deliveries = shuffled(
        arrivals.flatMap((next, index) => Array.from({ length: 1 + (index % 3) }, () => next)),
        seed,
      );
      let counted = 0;
      for (const next of deliveries) if ((await recordStatusCallback(next, ports)).counted) counted++;
      expect(counted).toBe(total);
      const report = reports.get("MsgId#m-1") as StoredDeliveryReport;
      expect(withoutMarkingState(report)).toEqual(withoutMarkingState(expected));
      expect(report.callbacks).toHaveLength(maxListedCallbacks);
    },
  );
});
