/**
 * Reads settings from the environment once, at module load, and fails fast: a function
 * with a missing or malformed setting stops at cold start with a clear message instead
 * of failing on its first request.
 */

export class SettingError extends Error {
  override name = "SettingError";
}

type Env = Record<string, string | undefined>;

export function requiredSetting(name: string, env: Env = process.env): string {
  const value = env[name]?.trim();
  if (!value) throw new SettingError(`Setting ${name} is required but not set`);
  return value;
}

/** A comma-separated list; empty entries are dropped. */
export function listSetting(name: string, env: Env = process.env): string[] {
  return (env[name] ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

export function positiveIntegerSetting(name: string, fallback: number, env: Env = process.env): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) <= 0) {
    throw new SettingError(`Setting ${name} must be a positive whole number, got "${raw}"`);
  }
  return Number(raw);
}

export function oneOfSetting<T extends string>(
  name: string,
  allowed: readonly T[],
  fallback: T,
  env: Env = process.env,
): T {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new SettingError(`Setting ${name} must be one of ${allowed.join(", ")}, got "${raw}"`);
  }
  return raw as T;
}
