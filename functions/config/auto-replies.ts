/**
 * TOBETEXT_AUTO_REPLIES, read and checked whole at cold start (and at synth, through readUserSettings):
 * a JSON object from prefix to reply text. Each key must be one of TOBETEXT_PREFIXES (compared as
 * Body is, case-insensitively; kept as configured), so that a typo fails the deploy instead of
 * never replying; each text must pass ToBeText's Body rule, so that no reply is refused at send.
 * Messages without a prefix get no auto-reply: that would answer anyone who texts the number.
 */
import { settingNames } from "../contract.ts";
import type { AutoReplySettings } from "../domain/auto-reply.ts";
import { bodyProblem } from "../domain/send-body.ts";
import { type Env, listSetting, SettingError, setting } from "./settings.ts";

export function readAutoReplySettings(env: Env = process.env): AutoReplySettings {
  const name = settingNames.autoReplies;
  const raw = setting(env, name);
  // Both read trimmed already; an unset TOBETEXT_SENDER is "".
  const defaultSender = setting(env, settingNames.defaultSender);
  const ownNumbers = [...listSetting(env, settingNames.receivingNumbers), ...(defaultSender ? [defaultSender] : [])];
  if (raw === "") return { replies: new Map(), ownNumbers };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new SettingError(`Setting ${name} must be a JSON object from prefix to reply text, got "${raw}"`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new SettingError(`Setting ${name} must be a JSON object from prefix to reply text, got "${raw}"`);
  }
  const prefixes = listSetting(env, settingNames.prefixes);
  const replies = new Map<string, string>();
  for (const [key, text] of Object.entries(parsed)) {
    const prefix = prefixes.find((configured) => configured.toUpperCase() === key.trim().toUpperCase());
    if (prefix === undefined) {
      throw new SettingError(
        `Setting ${name}: "${key}" is not one of ${settingNames.prefixes} (${prefixes.join(", ")})`,
      );
    }
    if (typeof text !== "string") throw new SettingError(`Setting ${name}: the reply to "${key}" must be a string`);
    const problem = bodyProblem(text);
    if (problem !== undefined) throw new SettingError(`Setting ${name}: the reply to "${key}": ${problem}`);
    if (replies.has(prefix)) throw new SettingError(`Setting ${name}: prefix ${prefix} is given twice`);
    replies.set(prefix, text);
  }
  return { replies, ownNumbers };
}
