/**
 * multipart/form-data, as PHP's curl sends an array POSTFIELDS. busboy frames the parts, with
 * limits; where it cannot hand back a part's exact bytes, our own scan of the body does. busboy is
 * loaded with the first multipart body, not at cold start: forms need none of it.
 */
import type busboy from "busboy";
import { resultCodes } from "../../domain/tobetext-result.ts";
import { ToBeTextHttpError } from "../errors.ts";
import { type DeclaredCharset, decodeName, decodeText, type ReceivedField } from "./charset.ts";
import { type ContentType, declaredCharset, parseContentType } from "./content-type.ts";

/** A ToBeText message has 7 fields and an LMS at most 2,000 bytes: these bounds are generous. */
const maxMultipartParts = 100;
const maxValueBytes = 1024 * 1024;

interface RawPart {
  name: string;
  /** undefined when busboy handed back text it had decoded itself, so the bytes are gone. */
  bytes: Buffer | undefined;
}

export async function readMultipart(
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
async function splitWithBusboy(body: Buffer, contentTypeHeader: string): Promise<RawPart[]> {
  const { default: createBusboy } = await import("busboy");
  return new Promise((resolve, reject) => {
    const fail = (reason: string) => reject(new ToBeTextHttpError(400, resultCodes.badBody, reason));
    let parser: busboy.Busboy;
    try {
      parser = createBusboy({
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
