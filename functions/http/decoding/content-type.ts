/** The Content-Type header of a request or of a multipart part, and the charset it declares. */
import type { DeclaredCharset } from "./charset.ts";

export interface ContentType {
  /** Lower case, e.g. "multipart/form-data". */
  mediaType: string;
  /** Parameter names in lower case, values unquoted. */
  params: Map<string, string>;
}

export function parseContentType(header: string | undefined): ContentType | undefined {
  if (header === undefined) return undefined;
  // Neither boundaries nor charset names may contain ";", so a plain split is enough.
  const [typePart = "", ...paramParts] = header.split(";");
  const mediaType = typePart.trim().toLowerCase();
  if (mediaType === "") return undefined;
  const params = new Map<string, string>();
  for (const part of paramParts) {
    const equals = part.indexOf("=");
    if (equals === -1) continue;
    const name = part.slice(0, equals).trim().toLowerCase();
    if (!params.has(name)) params.set(name, unquote(part.slice(equals + 1).trim()));
  }
  return { mediaType, params };
}

function unquote(value: string): string {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return value;
  return value.slice(1, -1).replace(/\\(.)/g, "$1");
}

/** A charset label as written (any case, any alias senders use) → the charset we decode with, if any. */
export function declaredCharset(label: string | undefined): DeclaredCharset | undefined {
  switch (label?.trim().toLowerCase()) {
    case "utf-8":
    case "utf8":
      return "utf-8";
    case "euc-kr":
    case "euckr":
    case "ks_c_5601-1987":
    case "ks_c_5601":
      return "euc-kr";
    case "cp949":
    case "x-windows-949":
    case "ms949":
    case "windows-949":
      return "cp949";
    default:
      return undefined;
  }
}
