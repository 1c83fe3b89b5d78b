import type { Envelope } from "./envelope.ts";

/**
 * JSON for an SQS message body. SQS takes only the characters XML allows (tab, LF, CR, U+0020 to
 * U+D7FF, U+E000 to U+FFFD, U+10000 and up), and the stand-in not even those above U+FFFF: every
 * other character is written as its \u escape, the same JSON, so any received text can be queued.
 * (JSON.stringify escapes control characters and lone surrogates itself.)
 */
export function serializeEnvelope(envelope: Envelope): string {
  return JSON.stringify(envelope).replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD]/gu, (character) =>
    [...Array(character.length).keys()]
      .map((index) => `\\u${character.charCodeAt(index).toString(16).padStart(4, "0")}`)
      .join(""),
  );
}
