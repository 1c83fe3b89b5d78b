/**
 * Where a receive function's URL secrets come from, read and checked at cold start: a Secrets
 * Manager secret (on AWS: its ARN) or the secrets themselves (locally). With neither, or with a
 * secret unfit for a URL path, the function does not start.
 */
import { urlSecretSettings } from "../contract.ts";
import { type Env, listSetting, SettingError } from "./settings.ts";

export type UrlSecretSource = { secretArn: string } | { secrets: readonly string[] };

export function readUrlSecretSource(env: Env = process.env): UrlSecretSource {
  const secretArn = env[urlSecretSettings.secretArn]?.trim();
  if (secretArn) return { secretArn };
  return { secrets: checkedUrlSecrets(listSetting(env, urlSecretSettings.secrets), urlSecretSettings.secrets) };
}

/** Secrets fit to be the only credential: long enough, and letters, digits and . _ ~ - only (they go in a URL path). */
export function checkedUrlSecrets(secrets: string[], source: string): string[] {
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
