/**
 * Turns a ToBeText request (form-urlencoded, multipart or JSON, in UTF-8, EUC-KR or CP949,
 * percent-encoded or raw) into named text fields. Korean text must arrive intact whatever the
 * sender did, and bytes that are text in no supported charset are kept, never dropped or
 * replaced with U+FFFD: the charset decision is made on raw bytes (charset.ts), not by a parser.
 * This entry point picks the body reader by media type and adds the query string's fields. A
 * body it cannot read is refused where that shows, as a ToBeTextHttpError: 400, or 415 for a
 * media type ToBeText does not send, both with ToBeText's code 2005.
 */
import { resultCodes } from "../../domain/tobetext-result.ts";
import { ToBeTextHttpError } from "../errors.ts";
import type { FieldText, ReceivedField, TextCharset } from "./charset.ts";
import { declaredCharset, parseContentType } from "./content-type.ts";
import { looksLikeForm, readUrlEncoded } from "./form-urlencoded.ts";
import { readJson } from "./json.ts";
import { readMultipart } from "./multipart.ts";

export type { TextCharset } from "./charset.ts";

export interface RawRequest {
  /** The Content-Type header as received. */
  contentType: string | undefined;
  /** The raw body bytes (empty Buffer when none). */
  body: Buffer;
  /** As received, e.g. "a=1&b=%ED%95%9C" ("" when none). */
  rawQueryString: string;
}

export interface DecodedFields {
  /** Every field received, name as sent → text. First occurrence of a name wins. Query-string fields are included; a body field of the same name wins over the query one. */
  fields: Record<string, string>;
  /** Only for values whose bytes decode as nothing in any supported charset: name → base64 of the exact bytes received. The matching entry in `fields` then holds a best-effort latin1 rendering (never U+FFFD). */
  undecodable: Record<string, string>;
  /** How the body was framed. */
  format: "form-urlencoded" | "multipart" | "json" | "query-only" | "empty";
  /** The charset the text fields were decoded with (the one used by most non-ASCII fields; "ascii" when all were ASCII). */
  charset: TextCharset;
}

type BodyFormat = Exclude<DecodedFields["format"], "query-only">;

/** Nothing here waits any more; a promise still, so that a refusal reaches callers as a rejection. */
export async function decodeRequestFields(request: RawRequest): Promise<DecodedFields> {
  const body = readBody(request.body, request.contentType);
  // API Gateway passes the query string still percent-encoded; any raw non-ASCII left in the string is already text.
  const queryFields = readUrlEncoded(Buffer.from(request.rawQueryString, "utf8"), undefined);

  const merged = firstOccurrences(body.fields);
  for (const [name, value] of firstOccurrences(queryFields)) {
    if (!merged.has(name)) merged.set(name, value);
  }

  const entries = [...merged];
  return {
    fields: Object.fromEntries(entries.map(([name, value]) => [name, value.text])),
    undecodable: Object.fromEntries(
      entries.flatMap(([name, value]) => (value.charset === "undecodable" ? [[name, value.base64]] : [])),
    ),
    format: body.format === "empty" && queryFields.length > 0 ? "query-only" : body.format,
    charset: predominantCharset(merged.values()),
  };
}

function readBody(
  body: Buffer,
  contentTypeHeader: string | undefined,
): { format: BodyFormat; fields: ReceivedField[] } {
  if (body.length === 0) return { format: "empty", fields: [] };

  const contentType = parseContentType(contentTypeHeader);
  const mediaType = contentType?.mediaType;
  const declared = declaredCharset(contentType?.params.get("charset"));

  // The provider's Java and curl samples send forms that may arrive without a usable Content-Type.
  const sniffedForm = (mediaType === undefined || mediaType === "text/plain") && looksLikeForm(body);
  if (mediaType === "application/x-www-form-urlencoded" || sniffedForm) {
    return { format: "form-urlencoded", fields: readUrlEncoded(body, declared) };
  }
  if (mediaType === "multipart/form-data" && contentType !== undefined) {
    return { format: "multipart", fields: readMultipart(body, contentType, declared) };
  }
  if (mediaType === "application/json" || (mediaType !== undefined && /^application\/[^/]+\+json$/.test(mediaType))) {
    return { format: "json", fields: readJson(body) };
  }
  if (mediaType === undefined || mediaType === "text/plain") {
    throw new ToBeTextHttpError(400, resultCodes.badBody, `body is not a form (content type ${mediaType ?? "(none)"})`);
  }
  throw new ToBeTextHttpError(415, resultCodes.badBody, `unsupported content type ${mediaType.slice(0, 100)}`);
}

function firstOccurrences(fields: ReceivedField[]): Map<string, FieldText> {
  const byName = new Map<string, FieldText>();
  for (const { name, value } of fields) {
    if (!byName.has(name)) byName.set(name, value);
  }
  return byName;
}

/** Ties go to the charset seen first. All-undecodable also answers "ascii": no charset decoded anything. */
function predominantCharset(values: Iterable<FieldText>): TextCharset {
  const counts = new Map<TextCharset, number>();
  for (const { charset } of values) {
    if (charset !== "ascii" && charset !== "undecodable") counts.set(charset, (counts.get(charset) ?? 0) + 1);
  }
  let best: TextCharset = "ascii";
  let bestCount = 0;
  for (const [charset, count] of counts) {
    if (count > bestCount) {
      best = charset;
      bestCount = count;
    }
  }
  return best;
}
