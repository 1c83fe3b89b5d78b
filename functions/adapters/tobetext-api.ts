import { XMLParser } from "fast-xml-parser";
import { sendLimits } from "../contract.ts";
import { definedOnly } from "../domain/delivery-report.ts";
import type { ToBeTextAnswer } from "../domain/sent-message.ts";
import type { DeliveryAttempt } from "../use-cases/send-message.ts";

const parser = new XMLParser({ parseTagValue: false, trimValues: true, processEntities: true });

/**
 * Error codes of a connection that never opened: the request did not leave, ToBeText cannot have
 * it. Anything else after the request started (a reset, a timeout) may have reached it.
 */
const notSentCodes = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);
const isTlsFailure = (code: string) => code.startsWith("ERR_TLS") || code.includes("CERT") || code.includes("SSL");

/** ToBeText's send endpoint over HTTP: one form POST per message, its `<ToBeTextResult>` read. */
export function toBeTextApi(sendUrl: string, timeoutMs: number = sendLimits.requestTimeoutMs) {
  return {
    async post(fields: Record<string, string>): Promise<DeliveryAttempt> {
      let response: Response;
      try {
        response = await fetch(sendUrl, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
          body: new URLSearchParams(fields).toString(),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        return failedAttempt(error);
      }
      let body: string;
      try {
        body = await response.text();
      } catch (error) {
        // The request arrived (there is a status): its answer broke off.
        return { kind: "no-answer", error: `answer broke off after HTTP ${response.status}: ${describe(error)}` };
      }
      return { kind: "answered", answer: readAnswer(response.status, body) };
    },
  };
}

export function readAnswer(httpStatus: number, body: string): ToBeTextAnswer {
  let parsed: unknown;
  try {
    parsed = parser.parse(body);
  } catch {
    return { httpStatus, body };
  }
  const result = (parsed as { ToBeTextResult?: Record<string, unknown> } | undefined)?.ToBeTextResult;
  if (typeof result !== "object" || result === null) return { httpStatus, body };
  const text = (name: string) => (typeof result[name] === "string" ? (result[name] as string) : undefined);
  return {
    httpStatus,
    body,
    result: definedOnly({
      status: text("Status"),
      msgId: text("MsgId"),
      errorCode: text("ErrorCode"),
      errorMsg: text("ErrorMsg"),
    }),
  };
}

function failedAttempt(error: unknown): DeliveryAttempt {
  const code = errorCode(error);
  if (code !== undefined && (notSentCodes.has(code) || isTlsFailure(code))) {
    return { kind: "not-sent", error: code };
  }
  return { kind: "no-answer", error: code ?? describe(error) };
}

function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    if (current.name === "TimeoutError" || current.name === "AbortError") return "timeout";
    current = current.cause;
  }
  return undefined;
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));
