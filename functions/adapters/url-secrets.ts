import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { listSetting, SettingError } from "../config/settings.ts";
import { urlSecretSettings } from "../contract.ts";
import { logger } from "../observability.ts";

type Env = Record<string, string | undefined>;

/** The URL secrets valid now: the current one first, then the previous one during a rotation. */
export type UrlSecrets = () => Promise<readonly string[]>;

/**
 * Where the valid URL secrets come from: a Secrets Manager secret (on AWS), read once per cache
 * period rather than per request, or the secrets themselves from the environment (locally).
 * Decided at cold start; with neither set, the function does not start.
 */
export function urlSecretsFrom(env: Env = process.env): UrlSecrets {
  const secretArn = env[urlSecretSettings.secretArn]?.trim();
  if (secretArn) {
    const client = new SecretsManagerClient({});
    return cachedSecrets(async () => {
      const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
      return SecretString ?? "";
    });
  }
  const secrets = checked(listSetting(env, urlSecretSettings.secrets), urlSecretSettings.secrets);
  return async () => secrets;
}

function checked(secrets: string[], source: string): string[] {
  if (secrets.length === 0) {
    throw new SettingError(`No URL secret: set ${urlSecretSettings.secrets} or ${urlSecretSettings.secretArn}`);
  }
  const short = secrets.find((secret) => secret.length < urlSecretSettings.minimumLength);
  if (short !== undefined) {
    throw new SettingError(`A URL secret in ${source} is shorter than ${urlSecretSettings.minimumLength} characters`);
  }
  if (secrets.some((secret) => !/^[A-Za-z0-9._~-]+$/.test(secret))) {
    throw new SettingError(`URL secrets in ${source} may use only letters, digits and . _ ~ - (they go in a URL path)`);
  }
  return secrets;
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
  return checked(secrets, source);
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
  let cached: { secrets: string[]; readAt: number } | undefined;
  let pending: Promise<string[]> | undefined;
  return async () => {
    if (cached && now() - cached.readAt < cacheMs) return cached.secrets;
    pending ??= readSecretString()
      .then((value) => parseSecretValue(value, "the URL secret"))
      .finally(() => {
        pending = undefined;
      });
    try {
      cached = { secrets: await pending, readAt: now() };
    } catch (error) {
      // A passing Secrets Manager fault must not turn ToBeText away: keep the secrets last read.
      if (!cached) throw error;
      logger.warn("URL secret could not be refreshed; using the one last read", { error });
    }
    return cached.secrets;
  };
}
