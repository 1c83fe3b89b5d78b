/**
 * Turns a ToBeText request (form-urlencoded, multipart or JSON, in UTF-8, EUC-KR or CP949,
 * percent-encoded or raw) into named text fields. Korean text must arrive intact whatever the
 * sender did, and bytes that are text in no supported charset are kept, never dropped or
 * replaced with U+FFFD: the charset decision is made here on raw bytes, not by a parser.
 */
import busboy from "busboy";
import { resultCodes } from "../../domain/tobetext-result.ts";
import { ToBeTextHttpError } from "../errors.ts";
import {
  type DeclaredCharset,
  decodeName,
  decodeText,
  decodeUtf8Strictly,
  type FieldText,
  type ReceivedField,
  type TextCharset,
} from "./charset.ts";
import { type ContentType, declaredCharset, parseContentType } from "./content-type.ts";
import { looksLikeForm, readUrlEncoded } from "./form-urlencoded.ts";

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

/** A ToBeText message has 7 fields and an LMS at most 2,000 bytes: these bounds are generous. */
const maxMultipartParts = 100;
const maxValueBytes = 1024 * 1024;

type BodyFormat = Exclude<DecodedFields["format"], "query-only">;

export async function decodeRequestFields(request: RawRequest): Promise<DecodedFields> {
  const body = await readBody(request.body, request.contentType);
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

async function readBody(
  body: Buffer,
  contentTypeHeader: string | undefined,
): Promise<{ format: BodyFormat; fields: ReceivedField[] }> {
  if (body.length === 0) return { format: "empty", fields: [] };

  const contentType = parseContentType(contentTypeHeader);
  const mediaType = contentType?.mediaType;
  const declared = declaredCharset(contentType?.params.get("charset"));

  // The provider's Java and curl samples send forms that may arrive without a usable Content-Type.
  const sniffedForm = (mediaType === undefined || mediaType === "text/plain") && looksLikeForm(body);
  if (mediaType === "application/x-www-form-urlencoded" || sniffedForm) {
    return { format: "form-urlencoded", fields: readUrlEncoded(body, declared) };
  }
  if (mediaType === "multipart/form-data" && contentType !== undefined && contentTypeHeader !== undefined) {
    return { format: "multipart", fields: await readMultipart(body, contentTypeHeader, contentType, declared) };
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

// ---------------------------------------------------------------------------------------------
// multipart/form-data

interface RawPart {
  name: string;
  /** undefined when busboy handed back text it had decoded itself, so the bytes are gone. */
  bytes: Buffer | undefined;
}

async function readMultipart(
  body: Buffer,
  contentTypeHeader: string,
  contentType: ContentType,
  bodyDeclared: DeclaredCharset | undefined,
): Promise<ReceivedField[]> {
  const parts = await splitWithBusboy(body, contentTypeHeader);

  // busboy decodes a part that declares its own charset itself, with no way to opt out: utf-8
  // turns bad bytes into U+FFFD, and any other charset comes back undefined. Those parts take
  // their bytes, and every part its declared charset, from our own scan of the same body.
  const scanned = scanFormDataParts(body, contentType.params.get("boundary") ?? "");
  const needsScan =
    scanned.some((part) => part.charsetLabel !== undefined) || parts.some((part) => part.bytes === undefined);
  if (needsScan && scanned.length !== parts.length) {
    throw new ToBeTextHttpError(400, resultCodes.badBody, "multipart parts could not be read consistently");
  }

  return parts.map((part, index) => {
    const scan = needsScan ? scanned[index] : undefined;
    const bytes = scan?.charsetLabel !== undefined || part.bytes === undefined ? scan?.bytes : part.bytes;
    if (bytes === undefined) throw new ToBeTextHttpError(400, resultCodes.badBody, "multipart part could not be read");
    const declared = declaredCharset(scan?.charsetLabel) ?? bodyDeclared;
    // A name given as RFC 5987 `name*=` arrives already decoded by busboy.
    const name = isByteString(part.name) ? decodeName(Buffer.from(part.name, "latin1"), declared) : part.name;
    return { name, value: decodeText(bytes, declared) };
  });
}

/** Parts in body order, with names and values as latin1 text, i.e. their exact bytes. */
function splitWithBusboy(body: Buffer, contentTypeHeader: string): Promise<RawPart[]> {
  return new Promise((resolve, reject) => {
    const fail = (reason: string) => reject(new ToBeTextHttpError(400, resultCodes.badBody, reason));
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { "content-type": contentTypeHeader.trim() },
        defCharset: "latin1",
        defParamCharset: "latin1",
        // busboy reports a limit once that many parts or bytes were read, even if nothing more
        // follows: one above our maximum makes the report mean "too many".
        limits: { parts: maxMultipartParts + 1, fieldSize: maxValueBytes + 1, fileSize: maxValueBytes + 1 },
      });
    } catch {
      fail("multipart content type without a usable boundary");
      return;
    }

    const parts: RawPart[] = [];
    const fileReads: Promise<void>[] = [];
    parser.on("field", (name, value: string | undefined, info) => {
      if (info.valueTruncated) fail(`multipart value larger than ${maxValueBytes} bytes`);
      parts.push({ name: name ?? "", bytes: isByteString(value) ? Buffer.from(value, "latin1") : undefined });
    });
    // ToBeText sends only text, but a part with a filename is still a field to us.
    parser.on("file", (name, stream) => {
      const part: RawPart = { name: name ?? "", bytes: undefined };
      parts.push(part);
      const chunks: Buffer[] = [];
      fileReads.push(
        new Promise((done) => {
          stream.on("data", (chunk: Buffer) => chunks.push(chunk));
          stream.on("limit", () => fail(`multipart value larger than ${maxValueBytes} bytes`));
          stream.on("end", () => {
            part.bytes = Buffer.concat(chunks);
          });
          stream.on("error", () => fail("truncated multipart body"));
          stream.on("close", () => done());
        }),
      );
    });
    parser.on("partsLimit", () => fail(`more than ${maxMultipartParts} multipart parts`));
    parser.on("error", () => fail("malformed or truncated multipart body"));
    parser.on("close", () => {
      void Promise.all(fileReads).then(() => resolve(parts));
    });
    parser.end(body);
  });
}

function isByteString(value: string | undefined): value is string {
  return value !== undefined && !/[\u0100-\uffff]/.test(value);
}

interface ScannedPart {
  /** The charset parameter of the part's own Content-Type, as written. */
  charsetLabel: string | undefined;
  bytes: Buffer;
}

/**
 * The parts busboy emits (those with a form-data Content-Disposition), cut out of the body
 * the way busboy frames them. Only used where busboy cannot give the bytes; it validates.
 */
function scanFormDataParts(body: Buffer, boundary: string): ScannedPart[] {
  // Like busboy, a leading CRLF lets the first delimiter match without a preamble.
  const framed = Buffer.concat([Buffer.from("\r\n"), body]);
  const delimiter = Buffer.from(`\r\n--${boundary}`, "latin1");
  const parts: ScannedPart[] = [];
  let delimiterAt = framed.indexOf(delimiter);
  while (delimiterAt !== -1) {
    const afterDelimiter = delimiterAt + delimiter.length;
    if (framed.subarray(afterDelimiter, afterDelimiter + 2).toString("latin1") !== "\r\n") break;
    const headersEnd = framed.indexOf("\r\n\r\n", afterDelimiter);
    if (headersEnd === -1) break;
    const nextDelimiterAt = framed.indexOf(delimiter, headersEnd + 4);
    if (nextDelimiterAt === -1) break;
    const headers = partHeaders(framed.subarray(afterDelimiter + 2, headersEnd).toString("latin1"));
    const disposition = headers.get("content-disposition")?.split(";")[0]?.trim().toLowerCase();
    if (disposition === "form-data") {
      parts.push({
        charsetLabel: parseContentType(headers.get("content-type"))?.params.get("charset"),
        bytes: framed.subarray(headersEnd + 4, nextDelimiterAt),
      });
    }
    delimiterAt = nextDelimiterAt;
  }
  return parts;
}

/** Header name in lower case → first value. */
function partHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return headers;
}

// ---------------------------------------------------------------------------------------------
// application/json

function readJson(body: Buffer): ReceivedField[] {
  // JSON is UTF-8 by definition (RFC 8259); a BOM is tolerated.
  const text = decodeUtf8Strictly(body);
  if (text === undefined) throw new ToBeTextHttpError(400, resultCodes.badBody, "JSON body is not valid UTF-8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch {
    throw new ToBeTextHttpError(400, resultCodes.badBody, "invalid JSON body");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ToBeTextHttpError(400, resultCodes.badBody, "JSON body is not an object");
  }
  // A nested value is kept as its JSON text; past a few levels, writing it again would overflow the stack.
  if (nestedDeeperThan(parsed, maxJsonDepth)) {
    throw new ToBeTextHttpError(400, resultCodes.badBody, `JSON body nests deeper than ${maxJsonDepth} levels`);
  }
  return Object.entries(parsed).map(([name, value]) => ({ name, value: jsonText(jsonValueText(value)) }));
}

/** ToBeText's fields are flat; this leaves room for any structured extra field. */
const maxJsonDepth = 32;

/** Iterative, so that no depth a body can have overflows the stack here either. */
function nestedDeeperThan(root: object, limit: number): boolean {
  const pending: [unknown, number][] = [[root, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, depth] = next;
    if (typeof value !== "object" || value === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(value)) pending.push([child, depth + 1]);
  }
  return false;
}

/** null becomes "" rather than the word "null", which could pass for a real value. */
function jsonValueText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function jsonText(text: string): FieldText {
  return { text, charset: /^\p{ASCII}*$/u.test(text) ? "ascii" : "utf-8" };
}
