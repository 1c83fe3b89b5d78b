/**
 * The pieces every configuration reader is made of: a setting's value or the contract's default,
 * checked, or a SettingError naming it. Read once at cold start, so that a function with a
 * missing or malformed setting stops there instead of failing on its first request.
 */
import { type LogLevel, logLevels, metrics, settingDefaults, settingNames } from "../contract.ts";

export class SettingError extends Error {
  override name = "SettingError";
}

export type Env = Record<string, string | undefined>;

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

export function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new SettingError(`Setting ${name} is required but not set`);
  return value;
}

/** A comma-separated list; empty entries are dropped. */
export function listSetting(env: Env, name: string): string[] {
  return commaList(env[name] ?? "");
}

/** A comma-separated setting with a default in the contract, used when it is unset or empty. */
export function listSettingOrDefault(env: Env, name: keyof typeof settingDefaults): string[] {
  return commaList(setting(env, name));
}

const commaList = (value: string) =>
  value
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);

/** The value, else the contract's default. */
export function setting(env: Env, name: keyof typeof settingDefaults): string {
  return env[name]?.trim() || settingDefaults[name];
}

export function positiveInteger(env: Env, name: keyof typeof settingDefaults): number {
  const raw = setting(env, name);
  if (!/^\d+$/.test(raw) || Number(raw) <= 0) {
    throw new SettingError(`Setting ${name} must be a positive whole number, got "${raw}"`);
  }
  return Number(raw);
}
