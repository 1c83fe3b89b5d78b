/**
 * Auto-replies (README "Auto-replies"): which new inbound SMS get the configured reply, and the send
 * request that carries it. Pure: no number parsing library (the inbound processor bundles none), the
 * numbers compared are E.164 from the receive function, or the account's own as configured.
 */
import { autoReplyLimits } from "../contract.ts";
import type { SendRequest } from "./sent-message.ts";

/**
 * A Korean mobile number in E.164: 010 (8 digits after it), or the older 011, 016, 017, 018, 019
 * (7 or 8). Only these receive SMS for sure; a landline, a representative number (1588-…) or a
 * foreign number is never sent an automatic reply.
 */
export function isKoreanMobile(e164: string): boolean {
  return /^\+82(?:10\d{8}|1[16789]\d{7,8})$/.test(e164);
}

/**
 * A number's digits as compared here: Korean numbers without their country code or trunk 0
 * (`+82 10-1234-5678`, `010-1234-5678`, `821012345678` all give `1012345678`; `1588-1234` gives
 * `15881234`), others with their country code. Loose on purpose: the account's numbers are checked
 * with libphonenumber at synth and by the receive functions, and this only has to recognise them.
 */
export function comparableDigits(number: string): string {
  const trimmed = number.trim();
  let digits = trimmed.replace(/\D/g, "");
  if (trimmed.startsWith("+") || digits.startsWith("00")) {
    digits = digits.replace(/^00/, "");
    return digits.startsWith("82") ? digits.slice(2).replace(/^0/, "") : `+${digits}`;
  }
  if (digits.startsWith("82") && digits.length >= 10) return digits.slice(2).replace(/^0/, "");
  return digits.replace(/^0/, "");
}

export interface AutoReplySettings {
  /** Reply text by prefix, the prefix as configured (TOBETEXT_PREFIXES); empty: no auto-replies. */
  replies: ReadonlyMap<string, string>;
  /** This account's numbers as configured (TOBETEXT_NUMBERS, TOBETEXT_SENDER): never replied to. */
  ownNumbers: readonly string[];
}

/** What an auto-reply looks at of a new SMS. */
export interface RepliedSms {
  messageId: string;
  /** E.164. */
  sender: string;
  /** E.164: the account's number it came to, which the reply is sent from. */
  recipient: string;
  prefix: string;
  text: string;
  body: string;
}

/** Why a new SMS with a reply configured gets none: each keeps replies from looping or going nowhere. */
export type ReplySkip = "not-a-mobile" | "own-number" | "is-a-reply";

export type ReplyDecision =
  | { kind: "none" }
  | { kind: "skip"; reason: ReplySkip }
  | { kind: "reply"; request: Required<Omit<SendRequest, "transactional">> };

/**
 * The auto-reply a new SMS gets, if any. Never to a number that cannot receive SMS, never to one of
 * this account's own numbers, never to a message that is itself one of the reply texts (another
 * auto-responder echoing ours): so replies cannot loop. Numbers that opted out are the sender's to
 * refuse (it refuses every send to a suppressed number), not checked here.
 */
export function autoReplyFor(sms: RepliedSms, settings: AutoReplySettings): ReplyDecision {
  const text = settings.replies.get(sms.prefix);
  if (sms.prefix === "" || text === undefined) return { kind: "none" };
  if (!isKoreanMobile(sms.sender)) return { kind: "skip", reason: "not-a-mobile" };
  const sender = comparableDigits(sms.sender);
  if ([sms.recipient, ...settings.ownNumbers].some((own) => comparableDigits(own) === sender)) {
    return { kind: "skip", reason: "own-number" };
  }
  const replyTexts = new Set([...settings.replies.values()].map((reply) => reply.trim()));
  if (replyTexts.has(sms.text.trim()) || replyTexts.has(sms.body.trim())) return { kind: "skip", reason: "is-a-reply" };
  return {
    kind: "reply",
    request: { to: sms.sender, text, from: sms.recipient, ckey: `${autoReplyLimits.ckeyPrefix}${sms.messageId}` },
  };
}
