import { describe, expect, it } from "vitest";
import type { InboundArrival } from "../../functions/domain/envelope.ts";
import {
  arrivalEntry,
  firstRecordIdOf,
  type InboundMessageRecord,
  maxArrivalsPerRecord,
  takes,
} from "../../functions/domain/inbound-message.ts";
import { fingerprintOf } from "../../functions/domain/inbound-sms.ts";
import {
  type InboundMessagePorts,
  recordInboundArrival,
  type WindowList,
} from "../../functions/use-cases/record-inbound-arrival.ts";
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
const firstId = firstRecordIdOf(fingerprintOf(sms));

/**
 * The ports over plain maps, with the adapter's conditions (each call one atomic conditional
 * write): the use case's logic alone. Counts the calls, as each is one DynamoDB request.
 */
function memoryPorts() {
  const messages = new Map<string, InboundMessageRecord>();
  const windowLists = new Map<string, WindowList>();
  const kept: Date[] = [];
  const calls: string[] = [];
  const ports: InboundMessagePorts = {
    countArrival: async (messageId, count) => {
      calls.push("countArrival");
      const current = messages.get(messageId);
      if (current === undefined) {
        const created: InboundMessageRecord = {
          messageId,
          ...count.content,
          ...count.window,
          firstArrivalAt: count.receivedAt,
          deliveryCount: 1,
          arrivals: [count.entry],
        };
        messages.set(messageId, created);
        return { counted: true, deliveryCount: 1 };
      }
      const taken =
        takes(current, count.receivedAt) &&
        !current.arrivals.includes(count.entry) &&
        current.arrivals.length < count.maxArrivals &&
        (count.movesFirstBack ? current.firstArrivalAt > count.receivedAt : current.firstArrivalAt <= count.receivedAt);
      if (!taken) return { counted: false, record: structuredClone(current) };
      const next = {
        ...current,
        deliveryCount: current.deliveryCount + 1,
        arrivals: [...current.arrivals, count.entry].sort(),
        ...(count.movesFirstBack ? { firstArrivalAt: count.receivedAt } : {}),
      };
      messages.set(messageId, next);
      return { counted: true, deliveryCount: next.deliveryCount };
    },
    readWindows: async (fingerprint) => {
      calls.push("readWindows");
      return structuredClone(windowLists.get(fingerprint) ?? { windows: [], version: 0 });
    },
    writeWindows: async (fingerprint, next, expectedVersion, keepUntil) => {
      calls.push("writeWindows");
      if ((windowLists.get(fingerprint)?.version ?? 0) !== expectedVersion) return false;
      windowLists.set(fingerprint, structuredClone(next));
      kept.push(keepUntil);
      return true;
    },
  };
  return { ports, messages, windowLists, kept, calls };
}

describe("recordInboundArrival", () => {
  it("counts a new SMS, its retries and a redelivery with one write each, on a record named after the SMS", async () => {
    const { ports, messages, calls } = memoryPorts();
    const first = await recordInboundArrival(arrival("d1", 0), ports, windowMs);
    const retry = await recordInboundArrival(arrival("d2", 30_000), ports, windowMs);
    const redelivered = await recordInboundArrival(arrival("d2", 30_000), ports, windowMs);

    expect(first).toMatchObject({ messageId: firstId, counted: true, duplicate: false });
    expect(retry).toMatchObject({ messageId: firstId, counted: true, duplicate: true });
    expect(redelivered).toMatchObject({ messageId: firstId, counted: false, duplicate: false });
    expect(calls).toEqual(["countArrival", "countArrival", "countArrival"]);
    expect(messages.get(firstId)).toMatchObject({
      deliveryCount: 2,
      firstArrivalAt: at(0),
      arrivals: [
        arrivalEntry({ arrivalId: "d1", receivedAt: at(0) }),
        arrivalEntry({ arrivalId: "d2", receivedAt: at(30_000) }),
      ],
    });
  });

  it("opens a record named after the arrival for the same SMS after the window, and finds it for its retries", async () => {
    const { ports, messages } = memoryPorts();
    await recordInboundArrival(arrival("d1", 0), ports, windowMs);
    const later = await recordInboundArrival(arrival("d3", windowMs + 1), ports, windowMs);
    const laterRetry = await recordInboundArrival(arrival("d4", windowMs + 2), ports, windowMs);
    const laterAgain = await recordInboundArrival(arrival("d4", windowMs + 2), ports, windowMs);

    expect(later).toMatchObject({ messageId: "d3", counted: true, duplicate: false });
    expect(laterRetry).toMatchObject({ messageId: "d3", counted: true, duplicate: true });
    expect(laterAgain).toMatchObject({ messageId: "d3", counted: false });
    expect([...messages.values()].map((record) => record.deliveryCount)).toEqual([1, 2]);
  });

  it("keeps different bodies apart", async () => {
    const { ports, messages } = memoryPorts();
    await recordInboundArrival(arrival("d1", 0, "TOBE 네"), ports, windowMs);
    await recordInboundArrival(arrival("d2", 1, "TOBE 아니오"), ports, windowMs);
    expect(messages.size).toBe(2);
  });

  it("moves the first arrival back for a retry processed before the arrival it follows", async () => {
    const { ports, messages, calls } = memoryPorts();
    await recordInboundArrival(arrival("d2", 5_000), ports, windowMs);
    const earlier = await recordInboundArrival(arrival("d1", 1_000), ports, windowMs);
    expect(earlier).toMatchObject({ messageId: firstId, counted: true, duplicate: true });
    expect(messages.get(firstId)).toMatchObject({ deliveryCount: 2, firstArrivalAt: at(1_000) });
    expect(calls).toHaveLength(3);
  });

  it("counts a retry redriven after a genuine repeat opened a later window on its first message", async () => {
    const { ports, messages } = memoryPorts();
    await recordInboundArrival(arrival("first", 0), ports, windowMs);
    await recordInboundArrival(arrival("repeat", 3 * windowMs), ports, windowMs);
    // The retry arrived a second after the first, was dead-lettered, and is redriven now.
    const redriven = await recordInboundArrival(arrival("retry", 1_000), ports, windowMs);
    expect(redriven).toMatchObject({ messageId: firstId, counted: true, duplicate: true });
    expect(messages.get(firstId)?.deliveryCount).toBe(2);
    expect(messages.get("repeat")?.deliveryCount).toBe(1);
  });

  describe("more arrivals of one SMS in one window than a record lists", () => {
    const total = maxArrivalsPerRecord + 5;

    async function flood() {
      const memory = memoryPorts();
      for (let index = 0; index < total; index++) {
        await recordInboundArrival(arrival(`d${index}`, index), memory.ports, windowMs);
      }
      return memory;
    }

    it("go on to a continuation with the same window; the records stay bounded and count them all", async () => {
      const { messages } = await flood();
      const records = [...messages.values()];
      expect(records.map((record) => record.deliveryCount)).toEqual([maxArrivalsPerRecord, 5]);
      expect(records.map((record) => record.arrivals.length)).toEqual([maxArrivalsPerRecord, 5]);
      expect(records[1]).toMatchObject({ windowFrom: records[0]?.windowFrom, windowUntil: records[0]?.windowUntil });
    });

    it.each([
      ["on the full record", "d0", 0],
      ["on the continuation", `d${total - 1}`, total - 1],
    ])("are not counted again when redelivered, %s", async (_label, arrivalId, offset) => {
      const { ports, messages } = await flood();
      const again = await recordInboundArrival(arrival(arrivalId, offset), ports, windowMs);
      expect(again.counted).toBe(false);
      expect([...messages.values()].reduce((sum, record) => sum + record.deliveryCount, 0)).toBe(total);
    });
  });

  it("counts an arrival whose earlier processing opened its window, then stopped before counting", async () => {
    const { ports, messages, windowLists } = memoryPorts();
    await recordInboundArrival(arrival("d1", 0), ports, windowMs);
    const fingerprint = fingerprintOf(sms);
    // The window list was written, then the function died: the record was never made.
    windowLists.set(fingerprint, {
      windows: [{ messageId: "d9", windowFrom: at(4 * windowMs), windowUntil: at(6 * windowMs) }],
      version: 1,
    });
    const recorded = await recordInboundArrival(arrival("d9", 5 * windowMs), ports, windowMs);
    expect(recorded).toMatchObject({ messageId: "d9", counted: true, duplicate: false });
    expect(messages.get("d9")?.deliveryCount).toBe(1);
    expect(windowLists.get(fingerprint)?.windows).toHaveLength(1);
  });

  it("keeps the window list for as long as a dead letter can still be redriven", async () => {
    const { ports, kept } = memoryPorts();
    await recordInboundArrival(arrival("d1", 0), ports, windowMs);
    await recordInboundArrival(arrival("d2", 5 * windowMs), ports, windowMs);
    const { retentionDays, deadLetterRetentionDays } = queues.inboundSms;
    const longestLife = t0 + 5 * windowMs + (retentionDays + deadLetterRetentionDays) * 86_400_000;
    expect(kept).toHaveLength(1);
    for (const until of kept) expect(until.getTime()).toBeGreaterThan(longestLife + windowMs);
  });

  describe("opened: the arrival that made the record, counted now or on an earlier delivery", () => {
    it("is the new SMS's first arrival, and its redelivery; never a retry or a retry's redelivery", async () => {
      const { ports } = memoryPorts();
      const results = [];
      for (const [id, offset] of [
        ["d1", 0],
        ["d2", 30_000],
        ["d1", 0],
        ["d3", 40_000],
        ["d2", 30_000],
      ] as const) {
        results.push(await recordInboundArrival(arrival(id, offset), ports, windowMs));
      }
      expect(results.map(({ counted, opened }) => ({ counted, opened }))).toEqual([
        { counted: true, opened: true },
        { counted: true, opened: false },
        { counted: false, opened: true },
        { counted: true, opened: false },
        { counted: false, opened: false },
      ]);
    });

    it("stays with the arrival processed first when an earlier retry moves the first arrival back", async () => {
      const { ports, messages } = memoryPorts();
      const processedFirst = await recordInboundArrival(arrival("d2", 5_000), ports, windowMs);
      const earlier = await recordInboundArrival(arrival("d1", 1_000), ports, windowMs);
      expect(messages.get(firstId)?.firstArrivalAt).toBe(at(1_000));
      expect([processedFirst.opened, earlier.opened]).toEqual([true, false]);
      // Their redeliveries (from the refusal's record) agree: exactly one opener.
      const again = [
        await recordInboundArrival(arrival("d2", 5_000), ports, windowMs),
        await recordInboundArrival(arrival("d1", 1_000), ports, windowMs),
      ];
      expect(again.map(({ counted, opened }) => ({ counted, opened }))).toEqual([
        { counted: false, opened: true },
        { counted: false, opened: false },
      ]);
    });

    it("is the repeat that opens a later window (a new SMS), and not an arrival that starts a continuation", async () => {
      const { ports } = memoryPorts();
      await recordInboundArrival(arrival("d1", 0), ports, windowMs);
      const repeat = await recordInboundArrival(arrival("r1", 3 * windowMs), ports, windowMs);
      expect(repeat).toMatchObject({ messageId: "r1", counted: true, opened: true });
      expect((await recordInboundArrival(arrival("r1", 3 * windowMs), ports, windowMs)).opened).toBe(true);

      const flood = memoryPorts();
      const results = [];
      for (let index = 0; index <= maxArrivalsPerRecord; index++) {
        results.push(await recordInboundArrival(arrival(`f${index}`, index), flood.ports, windowMs));
      }
      const continuation = results.at(-1);
      expect(continuation).toMatchObject({ messageId: `f${maxArrivalsPerRecord}`, counted: true, opened: false });
      expect(results.filter((result) => result.opened)).toHaveLength(1);
      const redelivered = await recordInboundArrival(
        arrival(`f${maxArrivalsPerRecord}`, maxArrivalsPerRecord),
        flood.ports,
        windowMs,
      );
      expect(redelivered).toMatchObject({ counted: false, opened: false });
    });

    it("does not depend on DEDUPE_WINDOW_SECONDS staying the same between a delivery and its redelivery", async () => {
      const { ports } = memoryPorts();
      await recordInboundArrival(arrival("d1", 0), ports, windowMs);
      expect((await recordInboundArrival(arrival("d1", 0), ports, 2 * windowMs)).opened).toBe(true);
    });
  });

  it("counts 20 identical arrivals processed at once exactly once each", async () => {
    const { ports, messages } = memoryPorts();
    const offsets = Array.from({ length: 20 }, (_, index) => (index * 7) % 20);
    await Promise.all(
      offsets.map((offset, index) => recordInboundArrival(arrival(`c${index}`, offset), ports, windowMs)),
    );
    expect(messages.get(firstId)).toMatchObject({ deliveryCount: 20, firstArrivalAt: at(0) });
  });
});
