import { createHash, timingSafeEqual } from "node:crypto";
import { BlockList, isIPv6 } from "node:net";
import { settingNames } from "../contract.ts";
import { listSetting, SettingError } from "./settings.ts";

/** Why a request was refused before anything of it was read. */
export type Denial =
  | { status: 404; reason: "missing-secret" | "wrong-secret" }
  | { status: 403; reason: "source-not-allowed" };

/** The optional allowlist of caller addresses; undefined when none is set (any caller). */
export function allowedSourcesFrom(env: Record<string, string | undefined> = process.env): BlockList | undefined {
  const cidrs = listSetting(settingNames.allowedSources, env);
  if (cidrs.length === 0) return undefined;
  const allowed = new BlockList();
  for (const cidr of cidrs) {
    const [address = "", prefix] = cidr.split("/");
    const type = isIPv6(address) ? "ipv6" : "ipv4";
    const bits = prefix === undefined ? (type === "ipv6" ? 128 : 32) : Number(prefix);
    try {
      allowed.addSubnet(address, bits, type);
    } catch {
      throw new SettingError(`${settingNames.allowedSources} has an invalid CIDR: ${cidr}`);
    }
  }
  return allowed;
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
