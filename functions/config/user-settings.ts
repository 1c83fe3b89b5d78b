/**
 * Every setting a user sets (README "Configuration"), read by the functions' own readers: the CDK
 * stack calls this at synth, so a value a function would refuse at cold start fails the deploy.
 */

import type { AutoReplySettings } from "../domain/auto-reply.ts";
import { readAutoReplySettings } from "./auto-replies.ts";
import { type OptOutSettings, readOptOutSettings } from "./opt-out.ts";
import { type ProcessorSettings, readProcessorSettings } from "./processor.ts";
import { type ReceiverSettings, readReceiverSettings } from "./receiver.ts";
import { readSendSettings, type SendSettings } from "./sender.ts";
import type { Env } from "./settings.ts";

export type UserSettings = ReceiverSettings &
  ProcessorSettings &
  SendSettings &
  OptOutSettings & { autoReplies: AutoReplySettings };

export function readUserSettings(env: Env = process.env): UserSettings {
  return {
    ...readReceiverSettings(env),
    ...readProcessorSettings(env),
    ...readSendSettings(env),
    ...readOptOutSettings(env),
    autoReplies: readAutoReplySettings(env),
  };
}
