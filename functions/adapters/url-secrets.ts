import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SettingError } from "../config/settings.ts";
import { checkedUrlSecrets, type UrlSecretSource } from "../config/url-secrets.ts";
import { urlSecretSettings } from "../contract.ts";
import { logger } from "../observability.ts";

/** The URL secrets valid now: the current one first, then the previous one during a rotation. */
export type UrlSecrets = () => Promise<readonly string[]>;

/**
 * The valid URL secrets from their source: a Secrets Manager secret, read once per cache period
 * rather than per request, or the secrets the configuration gave.
 */
export function urlSecretsFrom(source: UrlSecretSource): UrlSecrets {
  if ("secrets" in source) return async () => source.secrets;
  return secretsManagerValue(source.secretArn, (value) => parseSecretValue(value, "the URL secret"));
}

/** One Secrets Manager client per execution environment, made when a function first reads a secret there. */
let secretsManager: SecretsManagerClient | undefined;

/** A Secrets Manager secret's string, parsed, read once per cache period (`cachedSecretValue`). */
export function secretsManagerValue<T>(secretArn: string, parse: (value: string) => T): () => Promise<T> {
  secretsManager ??= new SecretsManagerClient({});
  const client = secretsManager;
  return cachedSecretValue(async () => {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    return SecretString ?? "";
  }, parse);
}

/** The secret's JSON `{"current": "...", "previous": "..."}`; `previous` is optional. */
export function parseSecretValue(value: string, source: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new SettingError(`${source} is not JSON with "current" and "previous"`);
  }
  const { current, previous } = (parsed ?? {}) as { current?: unknown; previous?: unknown };
  const secrets = [current, previous].filter(
    (secret): secret is string => typeof secret === "string" && secret.trim() !== "",
  );
  return checkedUrlSecrets(secrets, source);
}

/**
 * The secrets behind `readSecretString`, read once per cache period, one read at a time however
 * many requests wait for it; when a refresh fails, the secrets last read stay in use.
 */
export function cachedSecrets(
  readSecretString: () => Promise<string>,
  now: () => number = Date.now,
  cacheMs: number = urlSecretSettings.cacheSeconds * 1000,
): UrlSecrets {
  return cachedSecretValue(readSecretString, (value) => parseSecretValue(value, "the URL secret"), now, cacheMs);
}

/**
 * A Secrets Manager value, parsed, read once per cache period, one read at a time however many
 * callers wait for it; when a refresh fails, the value last read stays in use.
 */
export function cachedSecretValue<T>(
  readSecretString: () => Promise<string>,
  parse: (value: string) => T,
  now: () => number = Date.now,
  cacheMs: number = urlSecretSettings.cacheSeconds * 1000,
): () => Promise<T> {
  let cached: { value: T; readAt: number } | undefined;
  let pending: Promise<T> | undefined;
  return async () => {
    if (cached && now() - cached.readAt < cacheMs) return cached.value;
    pending ??= readSecretString()
      .then(parse)
      .finally(() => {
        pending = undefined;
      });
    try {
      cached = { value: await pending, readAt: now() };
    } catch (error) {
      // A passing Secrets Manager fault must not stop the function: keep the value last read.
      if (!cached) throw error;
      logger.warn("a secret could not be refreshed; using the value last read", { error });
    }
    return cached.value;
  };
}
