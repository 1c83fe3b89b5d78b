/**
 * An inbound SMS as ToBeText delivers it: a form-urlencoded POST to the registered URL, sent again
 * (at most 3 more times) when no 200 confirms it in time. ToBeText does not say how long it waits,
 * nor how far apart its retries are: here each retry follows the failed attempt at once. Like the
 * provider's curl sample, no charset is declared, whether the text is UTF-8 or EUC-KR.
 */
import iconv from "iconv-lite";

export interface InboundSmsOptions {
  /** The registered URL; it carries the receiver's secret, so it is never logged. */
  url: string;
  fields: { SendNum: string; RecvNum: string; Body: string; [extra: string]: string };
  /** How long an attempt waits for its answer; default 3000. */
  timeoutMs?: number;
  /** Posts after the first one when it is not confirmed; default 3, as ToBeText documents. */
  maxRetries?: number;
  /** Confirmations (200s) ToBeText does not get, so posts again anyway; capped by maxRetries. */
  lostConfirmations?: number;
  encoding?: "utf-8" | "euc-kr";
}

export interface InboundAttempt {
  status: number | "timeout" | "error";
  ms: number;
}

export interface InboundDelivery {
  attempts: InboundAttempt[];
  /** Whether ToBeText would count the SMS delivered: a 200 arrived whose confirmation was not lost. */
  confirmed: boolean;
}

export async function deliverInboundSms(options: InboundSmsOptions): Promise<InboundDelivery> {
  const { url, fields, timeoutMs = 3000, maxRetries = 3, lostConfirmations = 0, encoding = "utf-8" } = options;
  const body = formBody(fields, encoding);
  const attempts: InboundAttempt[] = [];
  let lost = 0;
  for (let attempt = 0; attempt <= maxRetries; attempt += 1) {
    const status = await post(url, body, timeoutMs, attempts);
    if (status !== 200) continue;
    if (lost >= lostConfirmations) return { attempts, confirmed: true };
    lost += 1;
  }
  return { attempts, confirmed: false };
}

async function post(url: string, body: string, timeoutMs: number, attempts: InboundAttempt[]) {
  const started = performance.now();
  const timeout = AbortSignal.timeout(timeoutMs);
  let status: InboundAttempt["status"];
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
      signal: timeout,
    });
    status = response.status;
    await response.arrayBuffer().catch(() => undefined);
  } catch {
    status = timeout.aborted ? "timeout" : "error";
  }
  attempts.push({ status, ms: Math.round(performance.now() - started) });
  return status;
}

/** Percent-encoded form fields, the text's bytes in the given encoding. */
export function formBody(fields: Record<string, string>, encoding: "utf-8" | "euc-kr"): string {
  if (encoding === "utf-8") return new URLSearchParams(fields).toString();
  const encode = (text: string) =>
    [...iconv.encode(text, "euc-kr")]
      .map((byte) =>
        /[A-Za-z0-9*._-]/.test(String.fromCharCode(byte))
          ? String.fromCharCode(byte)
          : byte === 0x20
            ? "+"
            : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`,
      )
      .join("");
  return Object.entries(fields)
    .map(([name, value]) => `${encode(name)}=${encode(value)}`)
    .join("&");
}
