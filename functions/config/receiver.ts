/**
 * A receive function's configuration, read and checked whole at cold start: its route, its queue,
 * and the settings that decide what it accepts. Every default is the contract's.
 */
import { BlockList, isIPv6 } from "node:net";
import {
  type LogLevel,
  queueLimits,
  queueUrlSettings,
  type RouteId,
  routeContracts,
  settingNames,
} from "../contract.ts";
import { parsePhoneNumber } from "../domain/phone-number.ts";
import { type Env, listSetting, logLevel, required, SettingError } from "./settings.ts";
import { readUrlSecretSource, type UrlSecretSource } from "./url-secrets.ts";

export interface ReceiverSettings {
  /** Prefixes the customer bought from ToBeText. */
  prefixes: readonly string[];
  /** E.164 receiving numbers accepted; empty accepts any valid number. */
  receivingNumbers: ReadonlySet<string>;
  /** Callers allowed in; undefined allows any. */
  allowedSources: BlockList | undefined;
  logLevel: LogLevel;
}

export function readReceiverSettings(env: Env = process.env): ReceiverSettings {
  return {
    prefixes: listSetting(env, settingNames.prefixes),
    receivingNumbers: new Set(accountNumbers(env)),
    allowedSources: allowlist(listSetting(env, settingNames.allowedSources)),
    logLevel: logLevel(env),
  };
}

/** TOBETEXT_NUMBERS in E.164, in the order given: the numbers ToBeText receives for and sends from. */
export function accountNumbers(env: Env = process.env): string[] {
  return listSetting(env, settingNames.receivingNumbers).map((number) => {
    const parsed = parsePhoneNumber(number);
    if (!parsed) throw new SettingError(`${settingNames.receivingNumbers}: ${number} is not a phone number`);
    return parsed.e164;
  });
}

export interface ReceiverConfig {
  route: RouteId;
  settings: ReceiverSettings;
  queueUrl: string;
  maxMessageBytes: number;
  maxBodyBytes: number;
  label: string;
  urlSecrets: UrlSecretSource;
}

export function readReceiverConfig(route: RouteId, env: Env = process.env): ReceiverConfig {
  const contract = routeContracts[route];
  return {
    route,
    settings: readReceiverSettings(env),
    queueUrl: required(env, queueUrlSettings[contract.queue]),
    maxMessageBytes: queueLimits.maxMessageBytes,
    maxBodyBytes: contract.maxBodyBytes,
    label: contract.label,
    urlSecrets: readUrlSecretSource(env),
  };
}

function allowlist(cidrs: string[]): BlockList | undefined {
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
