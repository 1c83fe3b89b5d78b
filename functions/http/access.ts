import { createHash, timingSafeEqual } from "node:crypto";
import { type BlockList, isIPv6 } from "node:net";
import type { MiddlewareObj } from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { UrlSecrets } from "../adapters/url-secrets.ts";
import { secretPathParameter } from "../contract.ts";
import { AccessDeniedError, type Denial } from "./errors.ts";
import type { EndpointContext } from "./received-request.ts";

export interface Access {
  /** The URL secrets valid now. */
  secrets: UrlSecrets;
  /** Callers allowed in; undefined allows any. */
  allowedSources: BlockList | undefined;
}

/** Turns away, unread, a caller outside the allowlist (403) or without a valid URL secret (404). */
export function urlSecretAccess(
  access: Access,
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, EndpointContext> {
  return {
    before: async (request) => {
      const denial = checkAccess(
        request.context.received.sourceIp,
        request.event.pathParameters?.[secretPathParameter],
        await access.secrets(),
        access.allowedSources,
      );
      if (denial) throw new AccessDeniedError(denial);
    },
  };
}

/**
 * Checks a caller before its request is read: its address against the allowlist, when there is
 * one, then the URL secret against every valid secret. Secrets are compared as SHA-256 digests
 * with timingSafeEqual, each of them every time, so the answer's timing tells nothing of a secret.
 */
export function checkAccess(
  sourceIp: string,
  presentedSecret: string | undefined,
  validSecrets: readonly string[],
  allowedSources: BlockList | undefined,
): Denial | undefined {
  if (allowedSources && !isAllowed(sourceIp, allowedSources)) return { status: 403, reason: "source-not-allowed" };
  if (presentedSecret === undefined || presentedSecret === "") return { status: 404, reason: "missing-secret" };
  const presented = digest(presentedSecret);
  let matched = false;
  for (const secret of validSecrets) matched = timingSafeEqual(presented, digest(secret)) || matched;
  return matched ? undefined : { status: 404, reason: "wrong-secret" };
}

function isAllowed(sourceIp: string, allowedSources: BlockList): boolean {
  const type = isIPv6(sourceIp) ? "ipv6" : "ipv4";
  try {
    return allowedSources.check(sourceIp, type);
  } catch {
    return false;
  }
}

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
