import { eventsTopicSetting } from "../contract.ts";
import { type Env, required } from "./settings.ts";

/** The events topic's ARN, for the functions that publish (README "Events"); read at cold start. */
export const readEventsTopicArn = (env: Env = process.env): string => required(env, eventsTopicSetting);
