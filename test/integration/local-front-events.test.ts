/**
 * The local front against events as API Gateway sends them (fixtures/api-gateway/, see its README):
 * given the same HTTP request, it must hand the function the same event, key for key, type for type and
 * value for value. Only what differs by nature is normalised, after its format is checked: ids, times,
 * the client's address, and the port and scheme API Gateway was reached on.
 */
import { readdir, readFile } from "node:fs/promises";
import { request as httpRequest, type OutgoingHttpHeaders } from "node:http";
import { isIP } from "node:net";
import { resolve } from "node:path";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HttpHandler, type RunningHttpFront, startHttpFront } from "../../infra/local/http-front.ts";
import { type RouteDefinition, routes, secretRoutePath } from "../../infra/topology.ts";

const fixtureDir = resolve(import.meta.dirname, "fixtures/api-gateway");
const fixtureNames = (await readdir(fixtureDir)).filter((name) => name.endsWith(".json")).sort();

async function fixture(name: string): Promise<APIGatewayProxyEventV2> {
  return JSON.parse(await readFile(resolve(fixtureDir, name), "utf8")) as APIGatewayProxyEventV2;
}

/** Headers API Gateway adds on its way to the function: not sent by the client. */
const addedByApiGateway = new Set(["x-amzn-trace-id", "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto"]);

/** The request the client sent for `event`: same method, target, headers, cookies and body bytes. */
function clientRequest(event: APIGatewayProxyEventV2): { target: string; headers: OutgoingHttpHeaders; body: Buffer } {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value = ""] of Object.entries(event.headers)) {
    if (addedByApiGateway.has(name)) continue;
    // A value joined with a bare "," (as API Gateway joins repeated lines) is sent as repeated lines, to be
    // joined again; one written with ", " (a list in one line, like Accept) as the one line it was.
    const repeated = name !== "host" && name !== "content-length" && value.includes(",") && !value.includes(", ");
    headers[name] = repeated ? value.split(",") : value;
  }
  if (event.cookies) headers.cookie = event.cookies.join("; ");
  const body = Buffer.from(event.body ?? "", event.isBase64Encoded ? "base64" : "utf8");
  const target = event.rawQueryString ? `${event.rawPath}?${event.rawQueryString}` : event.rawPath;
  return { target, headers, body };
}

function send(url: string, method: string, { target, headers, body }: ReturnType<typeof clientRequest>) {
  return new Promise<number>((resolveStatus, reject) => {
    const request = httpRequest(`${url}${target}`, { method, headers, agent: false }, (response) => {
      response.resume();
      response.on("end", () => resolveStatus(response.statusCode ?? 0));
    });
    request.on("error", reject);
    request.end(body.length > 0 ? body : undefined);
  });
}

/**
 * The event with what differs between two deliveries of the same request replaced by placeholders,
 * each checked first: in the format API Gateway gives it, and consistent with the rest of the event.
 */
function normalised(event: APIGatewayProxyEventV2): APIGatewayProxyEventV2 {
  const { requestContext: context, headers } = event;
  const epochSeconds = Math.floor(context.timeEpoch / 1000);
  expect(context.accountId).toMatch(/^\d{12}$/);
  expect(context.apiId).toMatch(/^[a-z0-9]+$/);
  expect(context.requestId).toMatch(/^[A-Za-z0-9+/]{15}=$/);
  expect(Number.isInteger(context.timeEpoch)).toBe(true);
  const [, day, month, year, clock] =
    /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}:\d{2}:\d{2}) \+0000$/.exec(context.time) ?? [];
  expect(Date.parse(`${day} ${month} ${year} ${clock} GMT`)).toBe(epochSeconds * 1000);
  expect(isIP(context.http.sourceIp)).not.toBe(0);
  // The client sent no X-Forwarded-For: API Gateway's holds the client's address alone.
  expect(headers["x-forwarded-for"]).toBe(context.http.sourceIp);
  expect(headers["x-forwarded-port"]).toMatch(/^\d+$/);
  expect(headers["x-forwarded-proto"]).toMatch(/^https?$/);
  expect(headers["x-amzn-trace-id"]).toMatch(new RegExp(`^Root=1-${epochSeconds.toString(16)}-[0-9a-f]{24}$`));
  return {
    ...event,
    headers: {
      ...headers,
      "x-amzn-trace-id": "<trace id>",
      "x-forwarded-for": "<source ip>",
      "x-forwarded-port": "<port>",
      "x-forwarded-proto": "<scheme>",
    },
    requestContext: {
      ...context,
      accountId: "<account id>",
      apiId: "<api id>",
      http: { ...context.http, sourceIp: "<source ip>" },
      requestId: "<request id>",
      time: "<time>",
      timeEpoch: 0,
    },
  };
}

describe("local HTTP front: the events API Gateway sends (fixtures/api-gateway)", () => {
  const received: APIGatewayProxyEventV2[] = [];
  let front: RunningHttpFront;

  beforeAll(async () => {
    const handler: HttpHandler = async (event) => {
      received.push(event);
      return { statusCode: 200, body: "ok" };
    };
    // The routes the stack has: each route's bare path and its path with the secret.
    front = await startHttpFront({
      port: 0,
      maxBodyBytes: 1024 * 1024,
      routes: (Object.values(routes) as RouteDefinition[]).flatMap((route) => [
        { path: route.path, handler },
        { path: secretRoutePath(route), handler },
      ]),
    });
  });

  afterAll(async () => {
    await front?.close();
  });

  it("has the four fixtures the README lists", () => {
    expect(fixtureNames).toEqual([
      "inbound-bare-path.json",
      "inbound-form-post.json",
      "inbound-get-query.json",
      "status-callback-json-post.json",
    ]);
  });

  it.each(fixtureNames)("%s: the same request makes the same event", async (name) => {
    const expected = await fixture(name);
    const request = clientRequest(expected);
    expect(request.body.length).toBe(Number(expected.headers["content-length"] ?? 0));
    received.length = 0;

    expect(await send(front.url, expected.requestContext.http.method, request)).toBe(200);
    expect(received).toHaveLength(1);
    const actual = received[0] as APIGatewayProxyEventV2;
    expect(normalised(actual)).toEqual(normalised(expected));
    // Key order aside, nothing more and nothing less, down to the optional fields API Gateway leaves out.
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  });
});
