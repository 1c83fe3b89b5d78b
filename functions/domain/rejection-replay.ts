/**
 * Rejected requests run again through today's rules (`npm run replay`, README "Replaying rejected
 * requests"): which refusals a configuration change can undo, and what a replay came to, as the
 * rejection's item records it.
 */
import type { RouteId } from "../contract.ts";
import { resultCodes } from "./tobetext-result.ts";

/**
 * The refusal a setting decided, and so the one a changed setting can undo: a receiving number not
 * (yet) in TOBETEXT_NUMBERS. Defined here, where a processor may read it without the phone-number
 * code that acceptance (inbound-sms.ts, which answers with it) needs.
 */
export const notOurNumber = {
  route: "inboundSms",
  errorCode: resultCodes.badPhoneNumber,
  reason: "RecvNum is not one of this receiver's numbers",
} as const satisfies {
  route: RouteId;
  errorCode: number;
  reason: string;
};

/** Rejections kept for a configuration reason: what `npm run replay -- --since` picks. */
export function isConfigurationRejection(rejected: { route: string; errorCode: number; reason: string }): boolean {
  return (
    rejected.route === notOurNumber.route &&
    rejected.errorCode === notOurNumber.errorCode &&
    rejected.reason === notOurNumber.reason
  );
}

/**
 * What the latest replay of a rejection came to (the item's `replay`): queued as an arrival, then stored
 * (on record `messageId`, whose count it now is), or still rejected today, with today's reason.
 */
export type ReplayOutcome =
  | { outcome: "queued"; at: string }
  | { outcome: "stored"; at: string; messageId: string; deliveryCount: number }
  | { outcome: "rejected"; at: string; httpStatus: number; errorCode: number; reason: string };

/** One line for a person: `npm run records -- --rejected`. */
export function describeReplay(replay: ReplayOutcome | undefined): string {
  if (replay === undefined) return "";
  switch (replay.outcome) {
    case "queued":
      return `queued ${replay.at}`;
    case "stored":
      return `stored as ${replay.messageId} ${replay.at}`;
    default:
      return `still rejected: ${replay.errorCode} ${replay.reason} ${replay.at}`;
  }
}
