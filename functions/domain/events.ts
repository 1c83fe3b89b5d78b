/**
 * The events this system publishes for downstream systems (README "Events"): one JSON document per
 * event on the events topic (SNS), versioned, with message attributes for subscription filter
 * policies. An event's `id` is fixed by what it reports, so a publish repeated (after a failure
 * part-way, an SQS redelivery) carries the same id and subscribers can drop the repeat.
 */
import type { SentStatus } from "./sent-message.ts";

/** The schema's version: a change that could break a subscriber gets a new one. */
export const eventSchemaVersion = "tobetext.events/v1";

export type EventType = "inbound.received" | "sent.status-changed" | "recipient.opted-out" | "recipient.opted-in";

interface EventBase<T extends EventType, D> {
  schema: typeof eventSchemaVersion;
  type: T;
  /** Stable for what it reports: `inbound:<messageId>`, `sent:<ckey>:<status>`, `opt-out:<messageId>`. */
  id: string;
  /** When what it reports happened (ISO 8601), not when it was published. */
  occurredAt: string;
  data: D;
}

export type InboundReceived = EventBase<
  "inbound.received",
  {
    messageId: string;
    /** E.164. */
    sender: string;
    recipient: string;
    prefix: string;
    text: string;
    flags: string[];
  }
>;

export type SentStatusChanged = EventBase<
  "sent.status-changed",
  {
    ckey: string;
    status: SentStatus;
    msgId?: string;
    /** E.164. */
    recipient?: string;
    /** ToBeText's ErrorCode (send answer or status callback), when there is one. */
    code?: string;
    reason?: string;
  }
>;

export type OptChange = EventBase<
  "recipient.opted-out" | "recipient.opted-in",
  {
    /** E.164: the number that asked. */
    number: string;
    /** The inbound SMS that asked, its time and text: the evidence. */
    messageId: string;
    text: string;
    /** The receiving number it was sent to. */
    recipient: string;
  }
>;

export type DomainEvent = InboundReceived | SentStatusChanged | OptChange;

/**
 * Message attributes for SNS subscription filter policies: `type` always; `prefix` and `recipient`
 * (the receiving number) on inbound events; `status` on sent ones.
 */
export function eventAttributes(event: DomainEvent): Record<string, string> {
  switch (event.type) {
    case "inbound.received":
      return { type: event.type, prefix: event.data.prefix, recipient: event.data.recipient };
    case "sent.status-changed":
      return { type: event.type, status: event.data.status };
    default:
      return { type: event.type, recipient: event.data.recipient };
  }
}

/** Where events go; adapters/ provide it (SNS), tests may collect them. */
export interface EventPublisher {
  publish(event: DomainEvent): Promise<void>;
}
