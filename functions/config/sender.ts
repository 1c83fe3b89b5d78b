/**
 * The sender's configuration, read and checked whole at cold start: where ToBeText is, whose
 * credentials, the numbers it may send from, where callbacks go, and its tables.
 */
import { sendCredentialSettings, settingNames, statusCallbackUrlSetting, tableNameSettings } from "../contract.ts";
import { parsePhoneNumber } from "../domain/phone-number.ts";
import type { SenderNumbers } from "../domain/sent-message.ts";
import { accountNumbers } from "./receiver.ts";
import { type Env, positiveInteger, required, SettingError, setting } from "./settings.ts";
import { readUrlSecretSource, type UrlSecretSource } from "./url-secrets.ts";

export interface SendSettings {
  /** ToBeText's send endpoint. */
  sendApiUrl: string;
  /** A sent message with no final result this long after its request is expired. */
  resultTimeoutMs: number;
  /** E.164: the number a request naming none is sent from (TOBETEXT_SENDER), if set. */
  defaultSender: string | undefined;
}

/** The settings a user sets (checked at synth too, through readUserSettings); `numbers` when read already. */
export function readSendSettings(env: Env = process.env, numbers: SenderNumbers = senderNumbers(env)): SendSettings {
  const sendApiUrl = setting(env, settingNames.sendApiUrl);
  let url: URL | undefined;
  try {
    url = new URL(sendApiUrl);
  } catch {}
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || url.username || url.password) {
    throw new SettingError(
      `Setting ${settingNames.sendApiUrl} must be an http(s) URL without credentials, got "${sendApiUrl}"`,
    );
  }
  return {
    sendApiUrl,
    resultTimeoutMs: positiveInteger(env, settingNames.resultTimeoutSeconds) * 1000,
    defaultSender: numbers.default,
  };
}

/** The numbers the sender may send from, and the one it sends from when a request names none. */
export function senderNumbers(env: Env = process.env): SenderNumbers {
  const allowed = accountNumbers(env);
  const given = setting(env, settingNames.defaultSender);
  if (given === "") return { allowed };
  const number = parsePhoneNumber(given);
  if (!number) throw new SettingError(`${settingNames.defaultSender}: ${given} is not a phone number`);
  if (allowed.length > 0 && !allowed.includes(number.e164)) {
    throw new SettingError(`${settingNames.defaultSender}: ${given} is not one of ${settingNames.receivingNumbers}`);
  }
  return { allowed, default: number.e164 };
}

export type CredentialsSource = { secretArn: string } | { cid: string; token: string };

export interface SenderConfig {
  settings: SendSettings & { numbers: SenderNumbers };
  credentials: CredentialsSource;
  /** The status-callback route's URL without its secret. */
  statusCallbackUrl: string;
  urlSecrets: UrlSecretSource;
  tableNames: { sentMessages: string; deliveryReports: string; suppressions: string };
}

export function readSenderConfig(env: Env = process.env): SenderConfig {
  const secretArn = env[sendCredentialSettings.secretArn]?.trim();
  const statusCallbackUrl = required(env, statusCallbackUrlSetting).replace(/\/+$/, "");
  const numbers = senderNumbers(env);
  return {
    settings: { ...readSendSettings(env, numbers), numbers },
    credentials: secretArn
      ? { secretArn }
      : { cid: required(env, sendCredentialSettings.cid), token: required(env, sendCredentialSettings.token) },
    statusCallbackUrl,
    urlSecrets: readUrlSecretSource(env),
    tableNames: {
      sentMessages: required(env, tableNameSettings.sentMessages),
      deliveryReports: required(env, tableNameSettings.deliveryReports),
      suppressions: required(env, tableNameSettings.suppressions),
    },
  };
}
