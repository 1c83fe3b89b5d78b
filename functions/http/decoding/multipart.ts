/**
 * multipart/form-data, as PHP's curl sends an array POSTFIELDS, read at byte level: each part's
 * value as the exact bytes sent, with its name and the charset its own Content-Type declares.
 * API Gateway hands the body over whole, so framing it is a few searches for the delimiter
 * (RFC 2046 §5.1.1, RFC 7578): no streaming parser, nothing more to load at cold start.
 *
 * Framed as busboy (which read it before) framed it: the first delimiter may open the body or
 * follow a preamble, the closing one ends it (an epilogue is ignored), a part without a form-data
 * Content-Disposition is skipped, a quoted name unescapes `\"` and `\\` only. Whatever cannot be
 * framed is refused (400, ToBeText's code 2005): a body that ends before its closing delimiter, a
 * part header that is not one, and, where busboy dropped data silently, other bytes than
 * transport padding after a boundary or a Content-Disposition that does not parse. So are more
 * than 100 parts (skipped ones included) and a value over 1 MiB.
 */
import { resultCodes } from "../../domain/tobetext-result.ts";
import { ToBeTextHttpError } from "../errors.ts";
import { type DeclaredCharset, decodeName, decodeText, type ReceivedField } from "./charset.ts";
import { type ContentType, declaredCharset, parseContentType } from "./content-type.ts";

/** A ToBeText message has 7 fields and an LMS at most 2,000 bytes: these bounds are generous. */
const maxMultipartParts = 100;
const maxValueBytes = 1024 * 1024;

const crlf = Buffer.from("\r\n", "latin1");
const headersEnd = Buffer.from("\r\n\r\n", "latin1");
const cr = 0x0d;
const lf = 0x0a;
const dash = 0x2d;
const space = 0x20;
const tab = 0x09;

/** A header field: a token, a colon, and a value of visible characters, spaces, tabs and bytes over 0x7F. */
const headerField = /^([!#$%&'*+.^`|~\w-]+):[ \t]*([\t\x20-\x7e\x80-\xff]*)$/;
/**
 * One `; name=value` of a Content-Disposition (or a lone `;`). A quoted value unescapes `\"` and
 * `\\` alone, as busboy does: browsers escape nothing else and keep a backslash as it is.
 */
const dispositionParam =
  /^[ \t]*;[ \t]*(?:([!#$%&'*+.^`|~\w-]+)[ \t]*=[ \t]*(?:"((?:\\["\\]|\\?[\t\x20\x21\x23-\x5b\x5d-\x7e\x80-\xff])*)"|([\x21\x23-\x3a\x3c-\x7e\x80-\xff]+)))?/;

interface FormDataPart {
  /** The name as sent, byte for byte. */
  name: Buffer;
  /** The charset parameter of the part's own Content-Type, as written. */
  charsetLabel: string | undefined;
  bytes: Buffer;
}

const unreadable = (reason: string) => new ToBeTextHttpError(400, resultCodes.badBody, reason);

export function readMultipart(
  body: Buffer,
  contentType: ContentType,
  bodyDeclared: DeclaredCharset | undefined,
): ReceivedField[] {
  const boundary = contentType.params.get("boundary");
  if (boundary === undefined || boundary === "" || /[\r\n]/.test(boundary)) {
    throw unreadable("multipart content type without a usable boundary");
  }
  return formDataParts(body, boundary).map((part) => {
    const declared = declaredCharset(part.charsetLabel) ?? bodyDeclared;
    return { name: decodeName(part.name, declared), value: decodeText(part.bytes, declared) };
  });
}

/** The form-data parts in body order. */
function formDataParts(body: Buffer, boundary: string): FormDataPart[] {
  // A delimiter is CRLF "--" boundary; a leading CRLF lets the first one open the body, as in busboy.
  const framed = Buffer.concat([crlf, body]);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const parts: FormDataPart[] = [];
  let delimiterAt = framed.indexOf(delimiter);
  if (delimiterAt === -1) throw unreadable("multipart body without its boundary");
  for (let count = 0; ; count++) {
    let at = delimiterAt + delimiter.length;
    if (framed[at] === dash && framed[at + 1] === dash) return parts;
    // Transport padding (RFC 2046), then the CRLF that ends the delimiter line.
    while (framed[at] === space || framed[at] === tab) at++;
    if (framed[at] !== cr || framed[at + 1] !== lf) {
      throw unreadable(at >= framed.length ? "truncated multipart body" : "malformed multipart delimiter");
    }
    const partStart = at + 2;
    const nextDelimiterAt = framed.indexOf(delimiter, partStart);
    if (nextDelimiterAt === -1) throw unreadable("truncated multipart body");
    if (count === maxMultipartParts) throw unreadable(`more than ${maxMultipartParts} multipart parts`);
    const part = formDataPart(framed.subarray(partStart, nextDelimiterAt));
    if (part !== undefined) parts.push(part);
    delimiterAt = nextDelimiterAt;
  }
}

/** One part's headers and value; undefined for a part that is no form field. */
function formDataPart(part: Buffer): FormDataPart | undefined {
  // A part may have no headers at all and open with its blank line: valid MIME, and no field.
  const noHeaders = part[0] === cr && part[1] === lf;
  const blankLineAt = noHeaders ? 0 : part.indexOf(headersEnd);
  if (blankLineAt === -1) throw unreadable("malformed multipart part header");
  const headers = partHeaders(noHeaders ? "" : part.subarray(0, blankLineAt).toString("latin1"));
  const disposition = parseDisposition(headers.get("content-disposition"));
  if (disposition?.type !== "form-data") return undefined;

  const bytes = part.subarray(noHeaders ? 2 : blankLineAt + 4);
  if (bytes.length > maxValueBytes) throw unreadable(`multipart value larger than ${maxValueBytes} bytes`);
  return {
    // A file part (with a filename) is a field to us like any other: ToBeText sends only text.
    name: Buffer.from(disposition.params.get("name") ?? "", "latin1"),
    charsetLabel: parseContentType(headers.get("content-type"))?.params.get("charset"),
    bytes,
  };
}

/** Header name in lower case → first value, from a block of header lines (folded lines unfolded). */
function partHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  if (block === "") return headers;
  const fields: string[] = [];
  for (const line of block.split("\r\n")) {
    if (line.startsWith(" ") || line.startsWith("\t")) {
      if (fields.length === 0) throw unreadable("malformed multipart part header");
      fields[fields.length - 1] += line;
    } else {
      fields.push(line);
    }
  }
  for (const field of fields) {
    const match = headerField.exec(field);
    if (match === null) throw unreadable("malformed multipart part header");
    const name = (match[1] ?? "").toLowerCase();
    if (!headers.has(name)) headers.set(name, match[2] ?? "");
  }
  return headers;
}

/**
 * A Content-Disposition value: its type in lower case and its parameters (names in lower case,
 * the first of each kept, values unquoted, as latin1 text, i.e. their bytes). An RFC 5987 `name*`
 * is kept as written and names no field, as in busboy (RFC 7578 has names sent as they are).
 */
function parseDisposition(value: string | undefined): { type: string; params: Map<string, string> } | undefined {
  if (value === undefined) return undefined;
  const type = /^[!#$%&'*+.^`|~\w-]*/.exec(value)?.[0] ?? "";
  const params = new Map<string, string>();
  let rest = value.slice(type.length);
  while (!/^[ \t]*$/.test(rest)) {
    const match = dispositionParam.exec(rest);
    if (match === null) throw unreadable("malformed multipart Content-Disposition");
    const [whole, name, quoted, unquoted] = match;
    if (name !== undefined && !params.has(name.toLowerCase())) {
      params.set(name.toLowerCase(), quoted === undefined ? (unquoted ?? "") : quoted.replace(/\\(["\\])/g, "$1"));
    }
    rest = rest.slice(whole.length);
  }
  return { type: type.toLowerCase(), params };
}
