import type { CredentialsSource } from "../config/sender.ts";
import { SettingError } from "../config/settings.ts";
import { sendCredentialSettings } from "../contract.ts";
import { secretsManagerValue } from "./url-secrets.ts";

export interface ToBeTextCredentials {
  cid: string;
  token: string;
}

/** ToBeText's Cid and token: as configured, or from Secrets Manager, read once per cache period. */
export function toBeTextCredentials(source: CredentialsSource): () => Promise<ToBeTextCredentials> {
  if (!("secretArn" in source)) return async () => ({ cid: source.cid, token: source.token });
  return secretsManagerValue(source.secretArn, parseCredentials);
}

/** The secret's JSON `{"cid": "...", "token": "..."}`; the stack's placeholder counts as not set. */
function parseCredentials(value: string): ToBeTextCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {}
  const { cid, token } = (parsed ?? {}) as { cid?: unknown; token?: unknown };
  if (typeof cid !== "string" || typeof token !== "string" || cid.trim() === "" || token.trim() === "") {
    throw new SettingError('The ToBeText credentials secret must be JSON {"cid": "...", "token": "..."}');
  }
  if (cid === sendCredentialSettings.placeholderCid) {
    throw new SettingError(
      "The ToBeText credentials secret still holds the stack's placeholder: put your Cid and token in it",
    );
  }
  return { cid, token };
}
