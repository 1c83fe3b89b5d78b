/** The answers a ToBeText endpoint gives: `<ToBeTextResult>` XML, and API Gateway's own JSON for callers turned away. */
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { ToBeTextResult } from "../domain/tobetext-result.ts";

/**
 * Characters XML 1.0 cannot carry, escaped or not (control characters, U+FFFE/U+FFFF, lone
 * surrogates). An echoed SendNum or RecvNum may hold any of them: they are answered as U+FFFD,
 * so that every answer is well-formed XML. The request itself is kept as received.
 */
const notXmlCharacters = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** The five characters XML escapes in text, as fast-xml-parser's XMLBuilder escapes them. */
const escapes: Record<string, string> = { "&": "&amp;", ">": "&gt;", "<": "&lt;", "'": "&apos;", '"': "&quot;" };

/**
 * `<ToBeTextResult>` with one element per field, in the result's order, each value escaped: the
 * very bytes fast-xml-parser's XMLBuilder made of it (test/unit/tobetext-answer.test.ts compares
 * them), without its 21 KiB in every receive function's bundle.
 */
function resultXml(result: ToBeTextResult): string {
  let elements = "";
  for (const [name, value] of Object.entries(result)) {
    if (value === undefined) continue;
    const text =
      typeof value === "string"
        ? value.replace(notXmlCharacters, "\uFFFD").replace(/[&<>'"]/g, (character) => escapes[character] as string)
        : String(value);
    elements += `<${name}>${text}</${name}>`;
  }
  return `<ToBeTextResult>${elements}</ToBeTextResult>`;
}

export function tobetextResponse(statusCode: number, result: ToBeTextResult): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: {
      "content-type": "application/xml; charset=utf-8",
      ...(statusCode === 405 ? { allow: "POST" } : {}),
    },
    body: `<?xml version="1.0" encoding="UTF-8"?>${resultXml(result)}`,
  };
}

/** What API Gateway itself answers for a route that does not exist (404) or a refused caller (403). */
export function apiGatewayStyleError(status: 403 | 404): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message: status === 404 ? "Not Found" : "Forbidden" }),
  };
}

/** 503 means only "transient: send it again", and says nothing of why. */
export function unavailable(arrivalId: string): APIGatewayProxyStructuredResultV2 {
  return tobetextResponse(503, {
    Status: "Failed",
    MsgId: arrivalId,
    SendNum: "",
    RecvNum: "",
    ErrorCode: 503,
    ErrorMsg: "Temporarily unable to accept the message; please send it again",
  });
}
