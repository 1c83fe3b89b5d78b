import { type DomainEvent, type EventPublisher, eventSchemaVersion } from "../domain/events.ts";
import {
  applyOptRequest,
  confirmationText,
  type OptKeywords,
  type OptKind,
  type OptOutcome,
  type OptRequest,
  optRequestOf,
  type Suppression,
} from "../domain/opt-out.ts";
import type { SendRequest } from "../domain/sent-message.ts";

/** An inbound record as an opt request reads it. */
export interface StoredInbound {
  messageId: string;
  /** E.164. */
  sender: string;
  recipient: string;
  text: string;
  firstArrivalAt: string;
}

/** What recording an opt request needs; adapters/ provide it. */
export interface OptRequestPorts {
  /** The stored inbound record (read after it was stored: its first arrival is what orders requests). */
  readInbound(messageId: string): Promise<StoredInbound | undefined>;
  /**
   * Read-modify-write of one number's item: `change` gets the item as it is and returns the next one, or
   * undefined to leave it; run again on fresh data when another writer came first.
   */
  changeSuppression(
    number: string,
    change: (current: Suppression | undefined) => Suppression | undefined,
  ): Promise<void>;
  events: EventPublisher;
  /** A send request on the outbox (the confirmation reply). */
  queueSend(request: SendRequest): Promise<void>;
}

export interface OptSettings {
  optKeywords: OptKeywords;
  optOutConfirmation: string | undefined;
  optInConfirmation: string | undefined;
}

export interface RecordedOptRequest {
  kind: OptKind;
  outcome: OptOutcome["outcome"];
  suppressed: boolean;
  /** The event published (again, on a redelivery of a change: same id). */
  published: boolean;
  /** The confirmation reply queued (again, on a redelivery: the sender sends one CKey once). */
  confirmed: boolean;
}

/**
 * Records the opt-out or opt-in an inbound SMS asks for, if its text is a keyword: the sender's
 * suppression state then follows the latest request by first arrival, whatever the processing order,
 * and a request already recorded changes nothing (but its first arrival moving back, when a retry was
 * processed before it). Written first, then published and confirmed, so a crash in between leaves the
 * change to its redelivery, which publishes and confirms it again under the same event id and CKey,
 * as long as it is still the latest request. `retry`: this arrival is a retry counted on the message
 * (not the arrival that made it, nor a redelivery): it may move the request back, and does no more.
 */
export async function recordOptRequest(
  message: { messageId: string; text: string; retry: boolean },
  ports: OptRequestPorts,
  settings: OptSettings,
  now: () => Date = () => new Date(),
): Promise<RecordedOptRequest | undefined> {
  // Nearly every SMS stops here, without a read.
  if (optRequestOf(message.text, settings.optKeywords) === undefined) return undefined;
  const stored = await ports.readInbound(message.messageId);
  if (!stored) throw new Error(`inbound record ${message.messageId} is not there to read`);
  const kind = optRequestOf(stored.text, settings.optKeywords);
  if (kind === undefined) return undefined;
  const request: OptRequest = {
    kind,
    messageId: stored.messageId,
    at: stored.firstArrivalAt,
    text: stored.text,
    recipient: stored.recipient,
  };

  let result: OptOutcome | undefined;
  await ports.changeSuppression(stored.sender, (current) => {
    result = applyOptRequest(stored.sender, current, request, now());
    return result.outcome === "already-recorded" ? undefined : result.next;
  });
  if (!result) throw new Error(`the suppression of message ${stored.messageId} was not recorded`);

  const { publish, confirm } = effectsOf(result, message.retry);
  if (publish) await ports.events.publish(optEvent(stored.sender, publish));
  // The person is told the result of each request that decides their state (a repeat too); never of a superseded one.
  const template = kind === "opt-out" ? settings.optOutConfirmation : settings.optInConfirmation;
  let confirmed = false;
  if (confirm && template !== undefined) {
    await ports.queueSend({
      to: stored.sender,
      from: stored.recipient,
      text: confirmationText(template, request.at),
      ckey: `${kind}-${stored.messageId}`,
      transactional: true,
    });
    confirmed = true;
  }
  const state = result.outcome === "already-recorded" ? result.current : result.next;
  return { kind, outcome: result.outcome, suppressed: state.suppressed, published: publish !== undefined, confirmed };
}

/** What to publish (the request that changed the state) and whether to confirm this one. */
function effectsOf(result: OptOutcome, retry: boolean): { publish?: OptRequest; confirm: boolean } {
  switch (result.outcome) {
    case "changed":
      return { publish: result.next.evidence, confirm: true };
    case "unchanged":
      return { confirm: true };
    case "superseded":
      return { confirm: false };
    case "moved-back":
      // Moved back by a retry: the person was confirmed when the request was recorded.
      return result.changed ? { publish: result.next.evidence, confirm: false } : { confirm: false };
    case "already-recorded":
      // A retry repeats what was done; a redelivery may follow a crash that left it undone.
      if (retry || !result.latest) return { confirm: false };
      return result.changed ? { publish: result.current.evidence, confirm: true } : { confirm: true };
  }
}

function optEvent(number: string, request: OptRequest): DomainEvent {
  return {
    schema: eventSchemaVersion,
    type: request.kind === "opt-out" ? "recipient.opted-out" : "recipient.opted-in",
    id: `${request.kind}:${request.messageId}`,
    occurredAt: request.at,
    data: { number, messageId: request.messageId, text: request.text, recipient: request.recipient },
  };
}
