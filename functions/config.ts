/**
 * Configuration, read once at cold start and checked whole: a function with a missing or malformed
 * setting stops there with a message naming it, instead of failing on its first request. One
 * reader per function kind; the CDK stack calls `readUserSettings` at synth, so a bad value fails
 * the deploy before any function sees it. Every default is the contract's.
 */
import { BlockList, isIPv6 } from "node:net";
import {
  type LogLevel,
  logLevels,
  metrics,
  queueLimits,
  queueUrlSettings,
  type RouteId,
  routeContracts,
  settingDefaults,
  settingNames,
  type TableId,
  tableNameSettings,
} from "./contract.ts";
import { parsePhoneNumber } from "./domain/phone-number.ts";

export class SettingError extends Error {
  override name = "SettingError";
}

export type Env = Record<string, string | undefined>;

/** What a user configures (README "Configuration"), parsed. */
export interface UserSettings {
  /** Prefixes the customer bought from ToBeText. */
  prefixes: readonly string[];
  /** E.164 receiving numbers accepted; empty accepts any valid number. */
  receivingNumbers: ReadonlySet<string>;
  dedupeWindowMs: number;
  /** Callers allowed in; undefined allows any. */
  allowedSources: BlockList | undefined;
  logLevel: LogLevel;
}

export function readUserSettings(env: Env = process.env): UserSettings {
  return {
    prefixes: listSetting(env, settingNames.prefixes),
    receivingNumbers: new Set(
      listSetting(env, settingNames.receivingNumbers).map((number) => {
        const parsed = parsePhoneNumber(number);
        if (!parsed) throw new SettingError(`${settingNames.receivingNumbers}: ${number} is not a phone number`);
        return parsed.e164;
      }),
    ),
    dedupeWindowMs: positiveInteger(env, settingNames.dedupeWindowSeconds) * 1000,
    allowedSources: allowlist(listSetting(env, settingNames.allowedSources)),
    logLevel: logLevel(env),
  };
}

/** The log level alone, for the logger, which exists before any reader runs. */
export function logLevel(env: Env = process.env): LogLevel {
  const raw = setting(env, settingNames.logLevel).toLowerCase();
  if (!(logLevels as readonly string[]).includes(raw)) {
    throw new SettingError(`Setting ${settingNames.logLevel} must be one of ${logLevels.join(", ")}, got "${raw}"`);
  }
  return raw as LogLevel;
}

/** The name metrics are filed under (the stack's name on AWS). */
export const serviceName = (env: Env = process.env) => env[metrics.serviceSetting]?.trim() || "local";

export interface ReceiverConfig {
  route: RouteId;
  settings: UserSettings;
  queueUrl: string;
  maxMessageBytes: number;
  maxBodyBytes: number;
  label: string;
}

/** A receive function's configuration: its route, its queue and the user settings. */
export function readReceiverConfig(route: RouteId, env: Env = process.env): ReceiverConfig {
  const contract = routeContracts[route];
  return {
    route,
    settings: readUserSettings(env),
    queueUrl: required(env, queueUrlSettings[contract.queue]),
    maxMessageBytes: queueLimits.maxMessageBytes,
    maxBodyBytes: contract.maxBodyBytes,
    label: contract.label,
  };
}

export interface ProcessorConfig<T extends TableId> {
  settings: UserSettings;
  tableNames: Record<T, string>;
}

/** A processor's configuration: the names of the tables it uses, and the user settings. */
export function readProcessorConfig<T extends TableId>(
  tables: readonly T[],
  env: Env = process.env,
): ProcessorConfig<T> {
  return {
    settings: readUserSettings(env),
    tableNames: Object.fromEntries(tables.map((table) => [table, required(env, tableNameSettings[table])])) as Record<
      T,
      string
    >,
  };
}

export function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new SettingError(`Setting ${name} is required but not set`);
  return value;
}

/** A comma-separated list; empty entries are dropped. */
export function listSetting(env: Env, name: string): string[] {
  return (env[name] ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

/** The value, else the contract's default. */
function setting(env: Env, name: keyof typeof settingDefaults): string {
  return env[name]?.trim() || settingDefaults[name];
}

function positiveInteger(env: Env, name: keyof typeof settingDefaults): number {
  const raw = setting(env, name);
  if (!/^\d+$/.test(raw) || Number(raw) <= 0) {
    throw new SettingError(`Setting ${name} must be a positive whole number, got "${raw}"`);
  }
  return Number(raw);
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
