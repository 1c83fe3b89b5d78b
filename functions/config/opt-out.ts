/**
 * The opt-out settings (README "Opt-out (수신거부)"), read and checked whole at cold start and at synth:
 * the keyword lists (no keyword in both) and the confirmation replies (each one SMS ToBeText takes).
 */
import { queueUrlSettings, settingNames } from "../contract.ts";
import { confirmationText, type OptKeywords, optKeywords } from "../domain/opt-out.ts";
import { bodyProblem } from "../domain/send-body.ts";
import { type Env, listSettingOrDefault, required, SettingError, setting } from "./settings.ts";

export interface OptOutSettings {
  optKeywords: OptKeywords;
  /** Reply templates (`{date}`: the request's day); undefined: no reply. */
  optOutConfirmation: string | undefined;
  optInConfirmation: string | undefined;
}

export function readOptOutSettings(env: Env = process.env): OptOutSettings {
  // Unset or empty: the defaults. An opt-out list cannot be emptied: honouring opt-outs is the law.
  const optOut = listSettingOrDefault(env, settingNames.optOutKeywords);
  if (optOut.length === 0) throw new SettingError(`Setting ${settingNames.optOutKeywords} names no keyword`);
  const keywords = optKeywords(optOut, listSettingOrDefault(env, settingNames.optInKeywords));
  if ("problem" in keywords) {
    throw new SettingError(
      `Settings ${settingNames.optOutKeywords} and ${settingNames.optInKeywords}: ${keywords.problem}`,
    );
  }
  return {
    optKeywords: keywords,
    optOutConfirmation: confirmation(env, settingNames.optOutConfirmation),
    optInConfirmation: confirmation(env, settingNames.optInConfirmation),
  };
}

function confirmation(
  env: Env,
  name: typeof settingNames.optOutConfirmation | typeof settingNames.optInConfirmation,
): string | undefined {
  const template = setting(env, name);
  if (template === "") return undefined;
  // As sent: `{date}` becomes ten characters.
  const problem = bodyProblem(confirmationText(template, new Date().toISOString()));
  if (problem !== undefined) throw new SettingError(`Setting ${name}: ${problem.replace(/^Body/, "the text")}`);
  return template;
}

/** The inbound processor's part in opt-out: the settings, and the outbox its confirmation replies go on. */
export function readOptOutConfig(env: Env = process.env): { settings: OptOutSettings; outboxQueueUrl: string } {
  return { settings: readOptOutSettings(env), outboxQueueUrl: required(env, queueUrlSettings.outbox) };
}
