/**
 * Byte-level text decoding. The charset decision is made here on raw bytes, not by a parser,
 * so that Korean text arrives intact whatever the sender did, and bytes that are text in no
 * supported charset are kept, never dropped or replaced with U+FFFD.
 */
import { isAscii } from "node:buffer";
import { decodeCp949Strictly } from "./cp949.ts";

/**
 * What a value was decoded as. "euc-kr" only when declared as such and the bytes decode
 * cleanly; detection answers "cp949" since it is the superset.
 */
export type TextCharset = "utf-8" | "euc-kr" | "cp949" | "ascii";

/** The charsets a sender may declare that we decode; any other declaration is ignored and detection decides. */
export type DeclaredCharset = "utf-8" | "euc-kr" | "cp949";

/** One value, decoded; undecodable bytes keep their base64 beside a latin1 rendering (never U+FFFD). */
export type FieldText =
  | { text: string; charset: TextCharset }
  | { text: string; charset: "undecodable"; base64: string };

/** A field as a body reader hands it over, in body order. */
export interface ReceivedField {
  name: string;
  value: FieldText;
}

// ignoreBOM keeps a leading EF BB BF as U+FEFF: a value must not lose bytes silently.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The declared charset first, then UTF-8, then CP949; bytes none of them fits are kept as base64. */
export function decodeText(bytes: Buffer, declared: DeclaredCharset | undefined): FieldText {
  if (isAscii(bytes)) return { text: bytes.toString("latin1"), charset: "ascii" };
  const attempts: DeclaredCharset[] = declared === undefined ? ["utf-8", "cp949"] : [declared, "utf-8", "cp949"];
  for (const charset of attempts) {
    const text = charset === "utf-8" ? decodeUtf8Strictly(bytes) : decodeCp949Strictly(bytes);
    if (text !== undefined) return { text, charset };
  }
  return { text: bytes.toString("latin1"), charset: "undecodable", base64: bytes.toString("base64") };
}

/** Field names are ASCII in practice; an odd one keeps its best-effort rendering. */
export function decodeName(bytes: Buffer, declared: DeclaredCharset | undefined): string {
  return decodeText(bytes, declared).text;
}

export function decodeUtf8Strictly(bytes: Buffer): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}
