/**
 * application/x-www-form-urlencoded (and the query string), parsed on bytes so that raw EUC-KR
 * or UTF-8, which curl and Java send without percent-encoding, survive.
 */
import { type DeclaredCharset, decodeName, decodeText, type ReceivedField } from "./charset.ts";

const ampersand = 0x26;
const equalsSign = 0x3d;
const plusSign = 0x2b;
const percentSign = 0x25;
const space = 0x20;

export function readUrlEncoded(bytes: Buffer, declared: DeclaredCharset | undefined): ReceivedField[] {
  const fields: ReceivedField[] = [];
  let start = 0;
  while (start < bytes.length) {
    const ampersandAt = bytes.indexOf(ampersand, start);
    const end = ampersandAt === -1 ? bytes.length : ampersandAt;
    if (end > start) {
      const segment = bytes.subarray(start, end);
      const equalsAt = segment.indexOf(equalsSign);
      const rawName = equalsAt === -1 ? segment : segment.subarray(0, equalsAt);
      const rawValue = equalsAt === -1 ? Buffer.alloc(0) : segment.subarray(equalsAt + 1);
      fields.push({
        name: decodeName(percentDecode(rawName), declared),
        value: decodeText(percentDecode(rawValue), declared),
      });
    }
    start = end + 1;
  }
  return fields;
}

/** `+` → space, `%XX` → that byte; a malformed `%` sequence is kept as it came. */
function percentDecode(bytes: Buffer): Buffer {
  const decoded = Buffer.alloc(bytes.length);
  let length = 0;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index];
    if (byte === plusSign) {
      decoded[length++] = space;
      continue;
    }
    if (byte === percentSign) {
      const high = hexDigitValue(bytes[index + 1]);
      const low = hexDigitValue(bytes[index + 2]);
      if (high !== undefined && low !== undefined) {
        decoded[length++] = high * 16 + low;
        index += 2;
        continue;
      }
    }
    decoded[length++] = byte ?? 0;
  }
  return decoded.subarray(0, length);
}

function hexDigitValue(byte: number | undefined): number | undefined {
  if (byte === undefined) return undefined;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return undefined;
}

/** Every `&`-separated segment starts with a plain name and `=`: rules out prose, JSON and XML. */
const formSegment = /^[^\s\p{Cc}=&{}<>"]+=/u;

/** For a body without a usable Content-Type: the provider's Java and curl samples may send one. */
export function looksLikeForm(body: Buffer): boolean {
  const segments = body
    .toString("latin1")
    .split("&")
    .filter((segment) => segment.length > 0);
  return segments.length > 0 && segments.every((segment) => formSegment.test(segment));
}
