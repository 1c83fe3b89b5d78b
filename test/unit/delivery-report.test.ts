import { describe, expect, it } from "vitest";
import {
  countCallback,
  type DeliveryReport,
  maxListedCallbacks,
  maxListedResults,
} from "../../functions/domain/delivery-report.ts";
import type { CallbackArrival } from "../../functions/domain/envelope.ts";
import { acceptStatusCallback, type StatusCallback } from "../../functions/domain/status-callback.ts";

const recordId = "MsgId#m-1";
const t0 = Date.parse("2026-01-01T09:00:00.000Z");
/** A time `minutes` after the message was sent. */
const at = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();

const identity = { MsgId: "m-1", CKey: "order-42", SendNum: "821012341234", RecvNum: "01098765432" };
const results = {
  success: { Status: "Success", ErrorCode: "200", ErrorMsg: "Message successfully delivered" },
  failed: { Status: "Failed", ErrorCode: "400", ErrorMsg: "Failed" },
  other: { Status: "Failed", ErrorCode: "412", ErrorMsg: "other" },
  pending: { Status: "Sending", ErrorCode: "999", ErrorMsg: "in progress" },
  queued: { Status: "Queued", ErrorCode: "", ErrorMsg: "" },
} as const;
type ResultName = keyof typeof results;

function callbackOf(fields: Record<string, string>): StatusCallback {
  const acceptance = acceptStatusCallback({ fields, undecodable: {}, charset: "utf-8", format: "form-urlencoded" });
  if (!acceptance.accepted) throw new Error(`test callback rejected: ${acceptance.rejection.reason}`);
  return acceptance.value;
}

const arrival = (
  arrivalId: string,
  minutes: number,
  result: ResultName,
  extra: Record<string, string> = {},
): CallbackArrival => ({
  arrivalId,
  receivedAt: at(minutes),
  callback: callbackOf({ ...identity, ...results[result], ...extra }),
});

/** Counts deliveries in the order given, as the use case does: a repeat (undefined) leaves the record as it is. */
function countAll(deliveries: CallbackArrival[]): DeliveryReport {
  let report: DeliveryReport | undefined;
  for (const next of deliveries) report = countCallback(report, next, recordId) ?? report;
  if (!report) throw new Error("no deliveries counted");
  return report;
}

/** Every ordering of `items`. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
  );
}

describe("permutations (test helper)", () => {
  it("gives every ordering exactly once", () => {
    const all = permutations([1, 2, 3]);
    expect(all).toHaveLength(6);
    expect(new Set(all.map((order) => order.join(""))).size).toBe(6);
    expect(permutations([1, 2, 3, 4, 5])).toHaveLength(120);
  });
});

describe("countCallback: the first callback", () => {
  it("creates the record from it", () => {
    const first = arrival("d1", 5, "success");
    expect(countCallback(undefined, first, recordId)).toEqual({
      recordId,
      msgId: "m-1",
      cKey: "order-42",
      sendNum: { asSent: "821012341234", e164: "+821012341234" },
      recvNum: { asSent: "01098765432", e164: "+821098765432" },
      status: "Success",
      outcome: "delivered",
      final: true,
      errorCode: "200",
      errorMeaning: "Success: delivered",
      errorMsg: "Message successfully delivered",
      history: [
        {
          status: "Success",
          errorCode: "200",
          errorMeaning: "Success: delivered",
          errorMsg: "Message successfully delivered",
          outcome: "delivered",
          firstArrivalAt: at(5),
          lastArrivalAt: at(5),
          count: 1,
          fields: { ...identity, ...results.success },
        },
      ],
      callbackCount: 1,
      firstCallbackAt: at(5),
      lastCallbackAt: at(5),
      flags: [],
      callbacks: [{ deliveryId: "d1", arrivedAt: at(5) }],
    } satisfies DeliveryReport);
  });

  it("creates a record that is not final from an unknown result", () => {
    const report = countCallback(undefined, arrival("d1", 3, "pending"), recordId);
    expect(report).toMatchObject({
      status: "Sending",
      outcome: "unknown",
      final: false,
      errorCode: "999",
      errorMeaning: "Unknown error code",
      errorMsg: "in progress",
      callbackCount: 1,
    });
  });

  it("keeps only the identity the callback has", () => {
    const onlyCKey: CallbackArrival = {
      arrivalId: "d1",
      receivedAt: at(1),
      callback: callbackOf({ CKey: "order-42", ...results.failed }),
    };
    const report = countCallback(undefined, onlyCKey, "CKey#order-42");
    expect(report?.recordId).toBe("CKey#order-42");
    expect(report?.cKey).toBe("order-42");
    expect(report).not.toHaveProperty("msgId");
    expect(report).not.toHaveProperty("sendNum");
    expect(report).not.toHaveProperty("recvNum");
  });
});

describe("countCallback: repeats", () => {
  it("counts the same result five times on one history entry", () => {
    const report = countAll([1, 4, 9, 16, 25].map((minutes, index) => arrival(`d${index}`, minutes, "success")));
    expect(report.history).toHaveLength(1);
    expect(report.history[0]).toMatchObject({ count: 5, firstArrivalAt: at(1), lastArrivalAt: at(25) });
    expect(report).toMatchObject({
      callbackCount: 5,
      firstCallbackAt: at(1),
      lastCallbackAt: at(25),
      status: "Success",
      final: true,
      flags: [],
    });
    expect(report.callbacks.map((listed) => listed.deliveryId)).toEqual(["d0", "d1", "d2", "d3", "d4"]);
  });

  it("finds the first and last arrival of a result whatever order its repeats are processed in", () => {
    const report = countAll([9, 1, 25, 4, 16].map((minutes) => arrival(`d${minutes}`, minutes, "failed")));
    expect(report.history[0]).toMatchObject({ count: 5, firstArrivalAt: at(1), lastArrivalAt: at(25) });
    expect(report).toMatchObject({ callbackCount: 5, firstCallbackAt: at(1), lastCallbackAt: at(25) });
  });

  it("answers undefined for a delivery the record lists already", () => {
    const once = countCallback(undefined, arrival("d1", 5, "success"), recordId);
    expect(once).toBeDefined();
    expect(countCallback(once, arrival("d1", 5, "success"), recordId)).toBeUndefined();
  });

  it("answers undefined for a listed delivery even among others", () => {
    const report = countAll([arrival("d1", 1, "pending"), arrival("d2", 2, "success"), arrival("d3", 3, "success")]);
    expect(countCallback(report, arrival("d2", 2, "success"), recordId)).toBeUndefined();
  });
});

describe("countCallback: the current result", () => {
  it("is never overwritten once final: unknown, Success, unknown", () => {
    const report = countAll([arrival("d1", 1, "pending"), arrival("d2", 5, "success"), arrival("d3", 9, "pending")]);
    expect(report).toMatchObject({ status: "Success", outcome: "delivered", final: true, errorCode: "200" });
    expect(report.history.map((entry) => [entry.status, entry.count])).toEqual([
      ["Sending", 2],
      ["Success", 1],
    ]);
    expect(report.flags).toEqual([]);
  });

  it("is not overwritten by an older unknown result processed after it", () => {
    const report = countAll([arrival("d2", 5, "success"), arrival("d1", 1, "pending")]);
    expect(report).toMatchObject({ status: "Success", final: true, firstCallbackAt: at(1), lastCallbackAt: at(5) });
  });

  it("is the latest-arriving result while none is final", () => {
    const report = countAll([arrival("d2", 7, "queued"), arrival("d1", 3, "pending")]);
    expect(report).toMatchObject({
      status: "Queued",
      outcome: "unknown",
      final: false,
      errorMeaning: "Unknown error code",
    });
  });

  it("follows the latest arrival of a repeated unknown result", () => {
    const report = countAll([arrival("d1", 1, "pending"), arrival("d2", 2, "queued"), arrival("d3", 3, "pending")]);
    expect(report).toMatchObject({ status: "Sending", final: false });
  });

  it.each([
    ["Success then Failed", ["success", 2], ["failed", 6], "Success"],
    ["Failed then Success", ["failed", 2], ["success", 6], "Failed"],
  ] as const)(
    "on conflicting finals (%s) is the one that arrived first, and the record is flagged",
    (_label, first, second, status) => {
      const earlier = arrival("d-early", first[1], first[0]);
      const later = arrival("d-late", second[1], second[0]);
      for (const order of [
        [earlier, later],
        [later, earlier],
      ]) {
        const report = countAll(order);
        expect(report.status).toBe(status);
        expect(report.final).toBe(true);
        expect(report.history.map((entry) => entry.status)).toEqual([
          results[first[0]].Status,
          results[second[0]].Status,
        ]);
        expect(report.flags).toEqual(["CONFLICTING_FINAL_RESULTS"]);
      }
    },
  );

  it("keeps the first failure and raises no flag for two failure codes", () => {
    const report = countAll([arrival("d2", 8, "other"), arrival("d1", 4, "failed")]);
    expect(report).toMatchObject({ status: "Failed", errorCode: "400", outcome: "failed", final: true, flags: [] });
    expect(report.history.map((entry) => entry.errorCode)).toEqual(["400", "412"]);
  });

  it("keeps the flag once conflicting finals were seen, whatever comes next", () => {
    const report = countAll([
      arrival("d1", 1, "success"),
      arrival("d2", 2, "failed"),
      arrival("d3", 3, "success"),
      arrival("d4", 4, "pending"),
    ]);
    expect(report.flags).toEqual(["CONFLICTING_FINAL_RESULTS"]);
    expect(report.status).toBe("Success");
  });
});

describe("countCallback: order independence", () => {
  const orderIndependent: [string, CallbackArrival[]][] = [
    [
      "repeats of one result",
      [arrival("a", 1, "success"), arrival("b", 2, "success"), arrival("c", 3, "success"), arrival("d", 4, "success")],
    ],
    [
      "unknown, then Success repeated, then unknown",
      [
        arrival("a", 1, "pending"),
        arrival("b", 4, "success"),
        arrival("c", 6, "pending"),
        arrival("d", 9, "success"),
        arrival("e", 12, "queued"),
      ],
    ],
    [
      "conflicting finals with repeats",
      [
        arrival("a", 2, "failed"),
        arrival("b", 3, "success"),
        arrival("c", 5, "failed"),
        arrival("d", 7, "success"),
        arrival("e", 8, "pending"),
        arrival("f", 10, "other"),
      ],
    ],
    [
      "unknown results only",
      [arrival("a", 1, "pending"), arrival("b", 2, "queued"), arrival("c", 3, "pending"), arrival("d", 4, "queued")],
    ],
    [
      "two failure codes and an unknown",
      [arrival("a", 3, "other"), arrival("b", 5, "failed"), arrival("c", 6, "pending"), arrival("d", 9, "other")],
    ],
    [
      "a delivery processed twice",
      [arrival("a", 1, "success"), arrival("b", 2, "failed"), arrival("a", 1, "success"), arrival("c", 3, "pending")],
    ],
  ];

  // Equal arrival times: ToBeText's periodic sender can deliver several results in the same millisecond.
  const equalTimes: [string, CallbackArrival[]][] = [
    [
      "conflicting finals arriving at the same time",
      [arrival("a", 5, "success"), arrival("b", 5, "failed"), arrival("c", 7, "pending"), arrival("d", 7, "failed")],
    ],
    [
      "unknown results arriving at the same time",
      [arrival("a", 2, "pending"), arrival("b", 2, "queued"), arrival("c", 1, "pending"), arrival("d", 2, "queued")],
    ],
    [
      "repeats of one result arriving at the same time",
      [arrival("a", 4, "success"), arrival("b", 4, "success"), arrival("c", 4, "success"), arrival("d", 1, "pending")],
    ],
    [
      "everything mixed",
      [
        arrival("a", 1, "pending"),
        arrival("b", 3, "success"),
        arrival("c", 3, "failed"),
        arrival("d", 3, "success"),
        arrival("e", 6, "other"),
        arrival("f", 6, "queued"),
      ],
    ],
  ];

  // Repeats of one result that differ in fields ToBeText adds (a timestamp, a field name's case, a number's spelling).
  const differingRepeats: [string, CallbackArrival[]][] = [
    [
      "repeats carrying a different extra field",
      [
        arrival("a", 1, "success", { SentAt: "20260101090100" }),
        arrival("b", 2, "success", { SentAt: "20260101090200" }),
        arrival("c", 3, "pending"),
        arrival("d", 4, "success", { SentAt: "20260101090400" }),
      ],
    ],
    [
      "repeats spelling the sender's number differently",
      [
        arrival("a", 1, "success", { SendNum: "821012341234" }),
        arrival("b", 2, "success", { SendNum: "+82 10-1234-1234" }),
        arrival("c", 3, "success", { SendNum: "010-1234-1234" }),
        arrival("d", 4, "pending"),
      ],
    ],
  ];

  const expectSameRecordInEveryOrder = (deliveries: CallbackArrival[]) => {
    const orders = permutations(deliveries);
    const reference = countAll(deliveries);
    for (const order of orders) {
      const report = countAll(order);
      expect(report, `processing order ${order.map((each) => each.arrivalId).join(",")}`).toEqual(reference);
    }
  };

  it.each(orderIndependent)("gives one record for every processing order: %s", (_label, deliveries) => {
    expectSameRecordInEveryOrder(deliveries);
  });

  it.each(equalTimes)("gives one record for every processing order: %s", (_label, deliveries) => {
    expectSameRecordInEveryOrder(deliveries);
  });

  it.each(differingRepeats)("gives one record for every processing order: %s", (_label, deliveries) => {
    expectSameRecordInEveryOrder(deliveries);
  });

  it("chooses the first-arriving final in every order", () => {
    const deliveries = [
      arrival("a", 1, "pending"),
      arrival("b", 4, "failed"),
      arrival("c", 2, "success"),
      arrival("d", 6, "success"),
      arrival("e", 9, "pending"),
    ];
    for (const order of permutations(deliveries)) {
      expect(countAll(order)).toMatchObject({
        status: "Success",
        final: true,
        callbackCount: 5,
        flags: ["CONFLICTING_FINAL_RESULTS"],
      });
    }
  });
});

describe("countCallback: the listed callbacks", () => {
  it("lists callbacks by arrival", () => {
    const report = countAll([arrival("c", 9, "pending"), arrival("a", 1, "pending"), arrival("b", 5, "pending")]);
    expect(report.callbacks).toEqual([
      { deliveryId: "a", arrivedAt: at(1) },
      { deliveryId: "b", arrivedAt: at(5) },
      { deliveryId: "c", arrivedAt: at(9) },
    ]);
  });

  it(`lists at most ${maxListedCallbacks} callbacks, the latest, while callbackCount keeps counting`, () => {
    const total = maxListedCallbacks + 7;
    const report = countAll(Array.from({ length: total }, (_, index) => arrival(`d${index}`, index, "pending")));
    expect(report.callbackCount).toBe(total);
    expect(report.callbacks).toHaveLength(maxListedCallbacks);
    expect(report.callbacks[0]).toEqual({ deliveryId: "d7", arrivedAt: at(7) });
    expect(report.callbacks.at(-1)).toEqual({ deliveryId: `d${total - 1}`, arrivedAt: at(total - 1) });
    expect(report.history).toEqual([expect.objectContaining({ count: total })]);
    expect(report).toMatchObject({ firstCallbackAt: at(0), lastCallbackAt: at(total - 1) });
  });

  it("counts a late callback older than every listed one without listing it", () => {
    const full = countAll(
      Array.from({ length: maxListedCallbacks }, (_, index) => arrival(`d${index}`, index + 10, "pending")),
    );
    const late = countCallback(full, arrival("late", 0, "success"), recordId);
    expect(late?.callbackCount).toBe(maxListedCallbacks + 1);
    expect(late?.callbacks).toHaveLength(maxListedCallbacks);
    expect(late?.callbacks.some((listed) => listed.deliveryId === "late")).toBe(false);
    expect(late).toMatchObject({ status: "Success", firstCallbackAt: at(0) });
  });
});

describe("countCallback: the listed results", () => {
  /** A distinct non-final result per index: its own ErrorMsg. */
  const distinct = (index: number, minutes = index) =>
    arrival(`p${index}`, minutes, "pending", { ErrorMsg: `in progress, step ${index}` });

  it(`lists at most ${maxListedResults} distinct results, the latest ones, and counts the rest`, () => {
    const total = maxListedResults + 3;
    const report = countAll(Array.from({ length: total }, (_, index) => distinct(index)));
    expect(report.history).toHaveLength(maxListedResults);
    expect(report.history.map((entry) => entry.errorMsg)).toEqual(
      Array.from({ length: maxListedResults }, (_, index) => `in progress, step ${index + 3}`),
    );
    expect(report).toMatchObject({ callbackCount: total, unlistedCallbacks: 3, flags: ["RESULTS_UNLISTED"] });
    expect(report.errorMsg).toBe(`in progress, step ${total - 1}`);
  });

  it("always lists the final results, so the current result stays the first final one", () => {
    const many = Array.from({ length: 3 * maxListedResults }, (_, index) => distinct(index, index + 2));
    const report = countAll([arrival("done", 1, "success"), ...many, arrival("late-fail", 500, "failed")]);
    expect(report.history).toHaveLength(maxListedResults);
    expect(report).toMatchObject({ status: "Success", outcome: "delivered", final: true });
    expect(report.history.filter((entry) => entry.outcome !== "unknown").map((entry) => entry.status)).toEqual([
      "Success",
      "Failed",
    ]);
    expect(report.flags).toEqual(["CONFLICTING_FINAL_RESULTS", "RESULTS_UNLISTED"]);
    const listedCount = report.history.reduce((sum, entry) => sum + entry.count, 0);
    expect(listedCount + (report.unlistedCallbacks ?? 0)).toBe(report.callbackCount);
  });

  it("has no unlistedCallbacks and no flag while every result is listed", () => {
    const report = countAll(Array.from({ length: maxListedResults }, (_, index) => distinct(index)));
    expect(report).not.toHaveProperty("unlistedCallbacks");
    expect(report.flags).toEqual([]);
  });
});
