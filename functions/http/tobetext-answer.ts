/** The answers a ToBeText endpoint gives: `<ToBeTextResult>` XML, and API Gateway's own JSON for callers turned away. */
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { XMLBuilder } from "fast-xml-parser";
import type { ToBeTextResult } from "../domain/tobetext-result.ts";

const xml = new XMLBuilder({ format: false, processEntities: true });

/**
 * Characters XML 1.0 cannot carry, escaped or not (control characters, U+FFFE/U+FFFF, lone
 * surrogates). An echoed SendNum or RecvNum may hold any of them: they are answered as U+FFFD,
 * so that every answer is well-formed XML. The request itself is kept as received.
 */
const notXmlCharacters = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function tobetextResponse(statusCode: number, result: ToBeTextResult): APIGatewayProxyStructuredResultV2 {
  const printable = Object.fromEntries(
    Object.entries(result).map(([name, value]) => [
      name,
      typeof value === "string" ? value.replace(notXmlCharacters, "\uFFFD") : value,
    ]),
  );
  return {
    statusCode,
    headers: {
      "content-type": "application/xml; charset=utf-8",
      ...(statusCode === 405 ? { allow: "POST" } : {}),
    },
    body: `<?xml version="1.0" encoding="UTF-8"?>${xml.build({ ToBeTextResult: printable })}`,
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
