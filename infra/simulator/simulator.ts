/**
 * A local stand-in for ToBeText itself, speaking its documented API (../shared/tobetext-protocol.md):
 * the send endpoint `POST /sms` with its checks and `<ToBeTextResult>` answers, and the status
 * callbacks that follow, repeated and out of order, as ToBeText "sends periodically". Plans script
 * what happens to a given Ckey (forced codes, a lost answer, callbacks before the answer); every
 * request and callback attempt is recorded for tests. An inbound SMS generator (inbound.ts) is
 * reachable through it too.
 *
 * Left out: TLS and the backup host, rate limits, billing, the abroad replacement of SendNum, and
 * anything ToBeText does not document (a repeated Ckey is answered like a new message).
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tobetextResponse } from "../../functions/http/tobetext-answer.ts";
import { type CallbackAttempt, CallbackPoster, type CallbackRetry, type PlannedCallback } from "./callbacks.ts";
import { deliverInboundSms, type InboundSmsOptions } from "./inbound.ts";
import {
  type Credentials,
  callbackResult,
  checkSendRequest,
  forcedOutcome,
  redactedUrl,
  type SendErrorCode,
} from "./send-request.ts";

export interface SimulatorOptions {
  /** 0 picks a free port; default 0. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  credentials: Credentials;
  /** Each callback's delay is drawn from this range; default 1000..3000 (ToBeText's is 3 to 30 minutes). */
  callbackDelayMs?: { min: number; max: number };
  /** How many times each result is posted; default 2. */
  callbackRepeats?: number;
  /** Retries of a callback the receiver does not answer 200; default 3, the first after 1000 ms. */
  callbackRetry?: CallbackRetry;
  /** `POST /_simulator/inbound`'s timeoutMs when the request gives none; default 3000. */
  inboundRetryTimeoutMs?: number;
  /** One line per send request, callback attempt and inbound delivery; never numbers, text, credentials or URLs. */
  log?: (line: string) => void;
}

export interface CallbackPlan {
  errorCode: "200" | "400" | "411" | "412" | (string & {});
  /** Default: drawn from callbackDelayMs. */
  delayMs?: number;
  omitCKey?: boolean;
}

/** What happens to every send request with a given Ckey. */
export interface Plan {
  /** Answers this, even for a valid request ("success" even for an invalid one). */
  answer?: "success" | Exclude<SendErrorCode, 200>;
  answerDelayMs?: number;
  /** Accepts the message (its callbacks go out) but destroys the connection without answering. */
  dropAnswer?: boolean;
  /** Replaces the default callbacks: each entry posted once. */
  callbacks?: CallbackPlan[];
  /** Posts the callbacks, and waits for them to be acknowledged, before answering the send. */
  callbacksBeforeAnswer?: boolean;
}

export interface SendRecord {
  receivedAt: string;
  /** As received, with Cid and token replaced by "***". */
  fields: Record<string, string>;
  answer: { errorCode: number; msgId: string } | "dropped";
}

export interface RunningSimulator {
  /** For example http://127.0.0.1:3100 */
  url: string;
  /** `${url}/sms` */
  sendUrl: string;
  port: number;
  plan(ckey: string, plan: Plan): void;
  /** Every send request, in order. */
  requests(): SendRecord[];
  /** Every callback attempt, in order; their URLs hold the receiver's secret. */
  callbacks(): CallbackAttempt[];
  /** Resolves when no callback is pending. */
  idle(): Promise<void>;
  /** Closes the server and cancels pending callbacks. */
  stop(): Promise<void>;
}

const maxBodyBytes = 64 * 1024;

export async function startToBeTextSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const host = options.host ?? "127.0.0.1";
  const { min, max } = options.callbackDelayMs ?? { min: 1000, max: 3000 };
  const repeats = options.callbackRepeats ?? 2;
  const log = options.log ?? (() => {});
  const plans = new Map<string, Plan>();
  const sends: SendRecord[] = [];
  /** How many sends each CKey has had: the log says when one comes again. */
  const sendsPerCKey = new Map<string, number>();
  const poster = new CallbackPoster(options.callbackRetry ?? { retries: 3, firstDelayMs: 1000 }, (attempt) => {
    const { fields } = attempt;
    const status = typeof attempt.status === "number" ? `HTTP ${attempt.status}` : attempt.status;
    log(
      `callback CKey ${shown(fields.CKey)} ErrorCode ${fields.ErrorCode} MsgId ${fields.MsgId}: ${status} (attempt ${attempt.attempt})`,
    );
  });

  function plannedCallbacks(fields: Record<string, string>, msgId: string, plan: Plan | undefined): PlannedCallback[] {
    const url = fields.callback;
    if (!url) return [];
    const entries: CallbackPlan[] = plan?.callbacks ?? Array.from({ length: repeats }, () => ({ errorCode: "200" }));
    return entries.map((entry) => {
      const { Status, ErrorMsg } = callbackResult(entry.errorCode);
      const { Ckey: CKey = "", SendNum = "", RecvNum = "" } = fields;
      const result = { CKey, Status, MsgId: msgId, SendNum, RecvNum, ErrorCode: entry.errorCode, ErrorMsg };
      const { CKey: _omitted, ...withoutCKey } = result;
      return {
        url,
        fields: entry.omitCKey ? withoutCKey : result,
        delayMs: entry.delayMs ?? min + Math.random() * (max - min),
      };
    });
  }

  async function handleSend(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const receivedAt = new Date().toISOString();
    const fields = await readForm(request);
    const ckey = fields.Ckey ?? "";
    const plan = plans.get(ckey);
    const outcome =
      plan?.answer !== undefined ? forcedOutcome(plan.answer) : checkSendRequest(fields, options.credentials);
    const msgId = outcome.errorCode === 200 ? randomBytes(16).toString("hex") : "";
    const masked = { ...fields };
    for (const name of ["Cid", "token"]) if (name in masked) masked[name] = "***";
    const seen = sendsPerCKey.get(ckey) ?? 0;
    sendsPerCKey.set(ckey, seen + 1);
    sends.push({
      receivedAt,
      fields: masked,
      answer: plan?.dropAnswer ? "dropped" : { errorCode: outcome.errorCode, msgId },
    });
    log(
      `send Ckey ${shown(fields.Ckey)}${seen > 0 ? ` (seen ${seen} time${seen > 1 ? "s" : ""} before)` : ""}: ` +
        `${plan?.dropAnswer ? "answer dropped (plan)" : "HTTP 200"}, ErrorCode ${outcome.errorCode}` +
        (msgId ? `, MsgId ${msgId}` : ` (${outcome.errorMsg})`),
    );

    const delivered = outcome.errorCode === 200 ? poster.schedule(plannedCallbacks(fields, msgId, plan)) : undefined;
    if (plan?.callbacksBeforeAnswer) await delivered;
    if (plan?.answerDelayMs) await new Promise((resolve) => setTimeout(resolve, plan.answerDelayMs));
    if (plan?.dropAnswer) {
      request.socket.destroy();
      return;
    }
    const answer = tobetextResponse(200, {
      Status: outcome.errorCode === 200 ? "Success" : "Failed",
      MsgId: msgId,
      SendNum: fields.SendNum ?? "",
      RecvNum: fields.RecvNum ?? "",
      ErrorCode: outcome.errorCode,
      ErrorMsg: outcome.errorMsg,
    });
    response.writeHead(200, answer.headers as Record<string, string>).end(answer.body);
  }

  async function handleInbound(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const delivery = inboundOptions(await readJson(request));
    const result = await deliverInboundSms({
      ...delivery,
      timeoutMs: delivery.timeoutMs ?? options.inboundRetryTimeoutMs,
    });
    const statuses = result.attempts.map((attempt) => attempt.status).join(", ");
    log(`inbound SMS: attempts ${statuses}; ${result.confirmed ? "confirmed" : "not confirmed"}`);
    sendJson(response, 200, result);
  }

  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    const route = `${request.method} ${path}`;
    const handled = (async () => {
      if (path === "/sms") {
        if (request.method !== "POST") return sendJson(response, 405, { message: "Method Not Allowed" });
        return handleSend(request, response);
      }
      switch (route) {
        case "GET /_simulator/requests":
          return sendJson(
            response,
            200,
            sends.map((send) =>
              send.fields.callback === undefined
                ? send
                : { ...send, fields: { ...send.fields, callback: redactedUrl(send.fields.callback) } },
            ),
          );
        case "GET /_simulator/callbacks":
          return sendJson(
            response,
            200,
            poster.attempts.map((attempt) => ({ ...attempt, url: redactedUrl(attempt.url) })),
          );
        case "POST /_simulator/plans": {
          const { ckey, ...plan } = (await readJson(request)) as { ckey?: unknown };
          if (typeof ckey !== "string" || ckey === "") throw new BadRequest("ckey must be a non-empty string");
          plans.set(ckey, checkedPlan(plan));
          return sendJson(response, 200, { ckey, ...plans.get(ckey) });
        }
        case "POST /_simulator/inbound":
          return handleInbound(request, response);
        default:
          return sendJson(response, 404, { message: "Not Found" });
      }
    })();
    handled.catch((error: Error) => {
      if (response.headersSent || request.socket.destroyed) return;
      if (error instanceof BadRequest) sendJson(response, 400, { message: error.message });
      else sendJson(response, 500, { message: `simulator error: ${error.message}` });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  return {
    url,
    sendUrl: `${url}/sms`,
    port,
    plan: (ckey, plan) => {
      plans.set(ckey, checkedPlan(plan as Record<string, unknown>));
    },
    requests: () => [...sends],
    callbacks: () => [...poster.attempts],
    idle: () => poster.idle(),
    stop: async () => {
      poster.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

class BadRequest extends Error {}

/** A Ckey for a log line: quoted, control characters escaped, never more than 64 characters. */
function shown(ckey: string | undefined): string {
  return ckey === undefined ? "(none)" : JSON.stringify(ckey.slice(0, 64));
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new BadRequest(`body over ${maxBodyBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * The form fields, form-urlencoded (UTF-8) or multipart/form-data (what PHP's curl sample sends);
 * a body that is neither reads as no fields, and is answered 2002 like any request without credentials.
 */
async function readForm(request: IncomingMessage): Promise<Record<string, string>> {
  const body = await readBody(request);
  const contentType = request.headers["content-type"] ?? "application/x-www-form-urlencoded";
  const form = await new Request("http://simulator/", {
    method: "POST",
    headers: { "content-type": contentType },
    body,
  })
    .formData()
    .catch(() => undefined);
  const fields: Record<string, string> = {};
  for (const [name, value] of form ?? []) if (typeof value === "string") fields[name] = value;
  return fields;
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const text = (await readBody(request)).toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequest("the body is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new BadRequest("the body is not a JSON object");
  return value as Record<string, unknown>;
}

/** A plan as given over HTTP (or by a test), checked so that a typo fails loudly rather than plans nothing. */
function checkedPlan(input: Record<string, unknown>): Plan {
  const known = ["answer", "answerDelayMs", "dropAnswer", "callbacks", "callbacksBeforeAnswer"];
  const unknown = Object.keys(input).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw new BadRequest(`unknown plan field(s): ${unknown.join(", ")}`);
  const { answer, answerDelayMs, dropAnswer, callbacks, callbacksBeforeAnswer } = input;
  if (answer !== undefined && !["success", 2001, 2002, 2004, 2005].includes(answer as string))
    throw new BadRequest('answer must be "success", 2001, 2002, 2004 or 2005');
  if (answerDelayMs !== undefined && !isDelay(answerDelayMs))
    throw new BadRequest("answerDelayMs must be a number ≥ 0");
  for (const [name, flag] of Object.entries({ dropAnswer, callbacksBeforeAnswer }))
    if (flag !== undefined && typeof flag !== "boolean") throw new BadRequest(`${name} must be true or false`);
  if (callbacks !== undefined) {
    if (!Array.isArray(callbacks)) throw new BadRequest("callbacks must be an array");
    for (const entry of callbacks as Array<Record<string, unknown>>) {
      if (typeof entry?.errorCode !== "string") throw new BadRequest("each callback needs an errorCode string");
      if (entry.delayMs !== undefined && !isDelay(entry.delayMs))
        throw new BadRequest("a callback's delayMs must be a number ≥ 0");
      if (entry.omitCKey !== undefined && typeof entry.omitCKey !== "boolean")
        throw new BadRequest("omitCKey must be true or false");
    }
  }
  return input as Plan;
}

function isDelay(value: unknown): boolean {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

function inboundOptions(input: Record<string, unknown>): InboundSmsOptions {
  const { url, fields, timeoutMs, maxRetries, lostConfirmations, encoding } = input;
  if (typeof url !== "string" || !/^https?:\/\//.test(url)) throw new BadRequest("url must be an http(s) URL");
  const given = fields as Record<string, unknown> | undefined;
  if (typeof given !== "object" || given === null || Object.values(given).some((value) => typeof value !== "string"))
    throw new BadRequest("fields must be an object of strings");
  for (const name of ["SendNum", "RecvNum", "Body"])
    if (!(name in given)) throw new BadRequest(`fields.${name} is required`);
  if (timeoutMs !== undefined && !isDelay(timeoutMs)) throw new BadRequest("timeoutMs must be a number ≥ 0");
  for (const [name, value] of Object.entries({ maxRetries, lostConfirmations }))
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 10))
      throw new BadRequest(`${name} must be a whole number from 0 to 10`);
  if (encoding !== undefined && encoding !== "utf-8" && encoding !== "euc-kr")
    throw new BadRequest('encoding must be "utf-8" or "euc-kr"');
  return { url, fields: given, timeoutMs, maxRetries, lostConfirmations, encoding } as InboundSmsOptions;
}

function sendJson(response: ServerResponse, statusCode: number, payload: unknown): void {
  response.writeHead(statusCode, { "content-type": "application/json" }).end(JSON.stringify(payload));
}
