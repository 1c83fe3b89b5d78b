import type { InboundArrival } from "../domain/envelope.ts";
import {
  type ArrivalWindow,
  arrivalEntry,
  candidateRecords,
  contentOf,
  firstRecordIdOf,
  type InboundMessageRecord,
  keptWindows,
  type ListedWindow,
  type MessageContent,
  maxArrivalsPerRecord,
  nextStepAfterRefusal,
  takes,
  windowAround,
} from "../domain/inbound-message.ts";
import { fingerprintOf } from "../domain/inbound-sms.ts";
import { dedupeStateLifetimeMs } from "./arrival-markers.ts";
import { ContentionError } from "./contention.ts";

/** One arrival to count on one record, and the record to make when there is none. */
export interface ArrivalCount {
  /** The arrival as the record lists it (arrivalEntry). */
  entry: string;
  receivedAt: string;
  content: MessageContent;
  window: ArrivalWindow;
  /**
   * Counts an arrival earlier than the record's first, moving the first back; otherwise the
   * record's first arrival must be this one or earlier. Either way the record must take the
   * arrival (window, room, not listed yet): else it is refused and returned as it stands.
   */
  movesFirstBack: boolean;
  maxArrivals: number;
}

/** Counted, with the record's count now; or refused, with the record as it stands. */
export type CountResult = { counted: true; deliveryCount: number } | { counted: false; record: InboundMessageRecord };

/** A fingerprint's windows other than the first, in the order they were opened, and the list's version. */
export interface WindowList {
  windows: ListedWindow[];
  version: number;
}

/** What recording an arrival needs from storage; adapters/inbound-store.ts provides it. */
export interface InboundMessagePorts {
  /** One conditional write: counts the arrival, creating the record if there is none. */
  countArrival(messageId: string, count: ArrivalCount): Promise<CountResult>;
  readWindows(fingerprint: string): Promise<WindowList>;
  /** Replaces the list if it is still at `expectedVersion`; false when another writer came first. */
  writeWindows(fingerprint: string, next: WindowList, expectedVersion: number, keepUntil: Date): Promise<boolean>;
}

export interface RecordedArrival {
  messageId: string;
  /** False when this arrival was already counted (an SQS redelivery). */
  counted: boolean;
  /** True when it was counted on a message that other arrivals had already made: a retry or repeat. */
  duplicate: boolean;
  /** The record's count after this arrival (when counted) or as found (when not). */
  deliveryCount: number;
  /**
   * This arrival opened the record: a new SMS, counted now or on an earlier delivery of the same
   * arrival (an SQS redelivery after a failure part-way). What happens once per SMS (its event, its
   * auto-reply) keys on this, so that a redelivery finishes it and a retry never repeats it.
   */
  opened: boolean;
}

/**
 * Records one arrival of an inbound SMS exactly once: an arrival with the same sender, receiving
 * number and Body as a record's arrivals, inside its window, is counted on that record; otherwise
 * it makes a new one. Running it again for the same arrival changes nothing.
 *
 * Nearly every arrival is one conditional write: the first window of an SMS is a record named after
 * its fingerprint. Only a repeat after that window closed (or beyond a full record) reads the
 * fingerprint's list of later windows.
 */
export async function recordInboundArrival(
  received: InboundArrival,
  ports: InboundMessagePorts,
  dedupeWindowMs: number,
): Promise<RecordedArrival> {
  // Windows compare times as ISO strings: one format for all.
  const arrival = { ...received, receivedAt: new Date(Date.parse(received.receivedAt)).toISOString() };
  const fingerprint = fingerprintOf(arrival.sms);
  const attempt = countOn(ports, arrival, contentOf(arrival, fingerprint));

  const firstId = firstRecordIdOf(fingerprint);
  const first = await attempt(firstId, windowAround(arrival.receivedAt, dedupeWindowMs));
  if (first.outcome !== "elsewhere") return recorded(firstId, first, arrival.receivedAt);

  for (let round = 1; round <= maxRounds; round++) {
    const list = await ports.readWindows(fingerprint);
    const candidates = candidateRecords(list.windows, arrival);
    for (const candidate of candidates) {
      const result = await attempt(candidate.messageId, candidate);
      if (result.outcome !== "elsewhere") return recorded(candidate.messageId, result, arrival.receivedAt);
    }
    // Every record that takes it is full: a continuation shares their window; else a window of its own.
    const fullWindow = takes(first.record, arrival.receivedAt) ? first.record : candidates[0];
    const opened: ListedWindow = {
      messageId: arrival.arrivalId,
      ...windowOf(fullWindow ?? windowAround(arrival.receivedAt, dedupeWindowMs)),
    };
    const windows = keptWindows([...list.windows, opened], arrival.receivedAt, dedupeStateLifetimeMs);
    const keepUntil = new Date(
      Math.max(...windows.map((window) => Date.parse(window.windowUntil))) + dedupeStateLifetimeMs,
    );
    if (await ports.writeWindows(fingerprint, { windows, version: list.version + 1 }, list.version, keepUntil)) {
      const result = await attempt(opened.messageId, opened);
      if (result.outcome !== "elsewhere") return recorded(opened.messageId, result, arrival.receivedAt);
    }
  }
  throw new ContentionError(`windows of one SMS kept changing under ${maxRounds} rounds`);
}

const maxRounds = 8;

const windowOf = ({ windowFrom, windowUntil }: ArrivalWindow): ArrivalWindow => ({ windowFrom, windowUntil });

type Attempt =
  | { outcome: "counted"; deliveryCount: number; opened: boolean }
  | { outcome: "already-counted" | "elsewhere"; record: InboundMessageRecord };

/** Counts the arrival on one record, again while the record changes under it; "elsewhere" when it cannot take it. */
function countOn(ports: InboundMessagePorts, arrival: InboundArrival, content: MessageContent) {
  const entry = arrivalEntry(arrival);
  return async (messageId: string, window: ArrivalWindow): Promise<Attempt> => {
    let movesFirstBack = false;
    for (let tries = 1; tries <= maxRounds; tries++) {
      const result = await ports.countArrival(messageId, {
        entry,
        receivedAt: arrival.receivedAt,
        content,
        window: windowOf(window),
        movesFirstBack,
        maxArrivals: maxArrivalsPerRecord,
      });
      if (result.counted) {
        // Count 1 made the record; a continuation (a full record's window, copied) is no new SMS.
        const opened = result.deliveryCount === 1 && isOpenerOf(window, arrival.receivedAt);
        return { outcome: "counted", deliveryCount: result.deliveryCount, opened };
      }
      const next = nextStepAfterRefusal(result.record, arrival);
      if (next === "counted") return { outcome: "already-counted", record: result.record };
      if (next === "elsewhere") return { outcome: "elsewhere", record: result.record };
      movesFirstBack = next === "moving-first-back";
    }
    throw new ContentionError(`record ${messageId} kept changing under ${maxRounds} tries`);
  };
}

function recorded(messageId: string, attempt: Attempt, receivedAt: string): RecordedArrival {
  if (attempt.outcome === "counted") {
    return {
      messageId,
      counted: true,
      duplicate: attempt.deliveryCount > 1,
      deliveryCount: attempt.deliveryCount,
      opened: attempt.opened,
    };
  }
  // Already counted (a redelivery): the record, as the refusal returned it, says whether this arrival made it.
  return {
    messageId,
    counted: false,
    duplicate: false,
    deliveryCount: attempt.record.deliveryCount,
    opened: isOpenerOf(attempt.record, receivedAt),
  };
}

/**
 * Whether the arrival received at `receivedAt` made the record with this window. A record's window is
 * fixed when it is made, centred on the arrival that made it (`windowAround`), and never moves, not
 * even when an earlier retry moves `firstArrivalAt` back: so the centre names the opener whatever
 * the order of processing and whatever DEDUPE_WINDOW_SECONDS is now. A continuation record copies a
 * full record's window, so its first arrival is not taken for a new SMS.
 */
function isOpenerOf(window: ArrivalWindow, receivedAt: string): boolean {
  return (Date.parse(window.windowFrom) + Date.parse(window.windowUntil)) / 2 === Date.parse(receivedAt);
}
