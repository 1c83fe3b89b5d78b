import type { DeliveryReport } from "../domain/delivery-report.ts";
import type { SentMessage } from "../domain/sent-message.ts";
import { type Applied, publishStatus, type SentMessageJoinPorts, settleFromReport } from "./settle-sent-message.ts";

export interface SweepPorts extends SentMessageJoinPorts {
  /** CKeys of the messages still awaiting a result that was due by `now`. */
  overdue(now: Date): AsyncIterable<string>;
  findReport(ids: { msgId?: string | undefined; ckey: string }): Promise<DeliveryReport | undefined>;
  /** Marks one `expired`, unless it stopped awaiting meanwhile; true when it did. */
  expire(ckey: string, at: Date): Promise<boolean>;
}

export interface SweepCounts {
  expired: number;
  /** Settled by a callback the join had missed (one that named only a MsgId and came first). */
  settled: { delivered: number; failed: number };
  looked: number;
}

/**
 * Gives every sent message overdue for a result its final state: the result of a delivery record
 * that names it, if the join missed one, else `expired`. Safe to run concurrently with callbacks
 * and with itself: each write is conditional on the message still awaiting.
 */
export async function expireOverdue(now: Date, ports: SweepPorts): Promise<SweepCounts> {
  const counts: SweepCounts = { expired: 0, settled: { delivered: 0, failed: 0 }, looked: 0 };
  for await (const ckey of ports.overdue(now)) {
    counts.looked++;
    const sent = await ports.findSent(ckey);
    if (!sent?.awaiting) continue;
    const applied = await settleMissedReport(sent, ports);
    if (applied === "delivered" || applied === "failed") {
      counts.settled[applied]++;
      continue;
    }
    // Announced BEFORE the write, unlike every other status: the sweep has no redelivery, and a message it
    // expired is never overdue again, so an event after the write would be lost to a run that stopped in
    // between. Before it, a run that stops in between leaves the message overdue: the next run publishes
    // the same event (same id) and writes. The cost: a callback that settles the message in the
    // milliseconds between makes this `expired` one that never was; its own event follows, and a real
    // result replaces `expired` anyway (README "Events").
    await publishStatus(ports.events, { ...sent, status: "expired", result: "expired", resultAt: now.toISOString() });
    if (await ports.expire(ckey, now)) counts.expired++;
  }
  return counts;
}

async function settleMissedReport(sent: SentMessage, ports: SweepPorts): Promise<"delivered" | "failed" | undefined> {
  const report = await ports.findReport({ msgId: sent.msgId, ckey: sent.ckey });
  if (!report) return undefined;
  const applied: Applied | undefined = await settleFromReport(sent.ckey, report, ports, sent);
  if (applied !== "result") return undefined;
  return report.outcome === "delivered" ? "delivered" : "failed";
}
