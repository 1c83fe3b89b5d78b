/**
 * `npm run events`: the events the running local stack has published (README "Events"), oldest first,
 * from its events log (infra/local/events-log.ts), then exits.
 *
 *   npm run events                  one readable line per event
 *   npm run events -- --json        one JSON document a line, as subscribers receive it
 *   npm run events -- --follow      and keep printing events as they are published (Ctrl-C stops)
 *   npm run events -- --type inbound.received    only events of that type
 */
import { parseArgs } from "node:util";
import { followEventsLog, snapshotEventsLog } from "../local/events-log.ts";
import { readLocalState } from "../local/state.ts";

const { values: options } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    follow: { type: "boolean", default: false },
    type: { type: "string" },
    help: { type: "boolean", default: false },
  },
});

if (options.help) {
  console.log("usage: npm run events -- [--json] [--follow] [--type TYPE]");
  process.exit(0);
}

const state = await readLocalState();
if (!state?.eventsLog) {
  console.error("npm run events: no local stack is running here (start one with npm start)");
  process.exit(1);
}
const path = state.eventsLog;

type Event = Record<string, unknown>;
const shown = (event: Event) => options.type === undefined || event.type === options.type;

/** A person's line: when, what, its id, and the few fields that tell it apart (no numbers, no text). */
function readable(event: Event): string {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const detail =
    event.type === "inbound.received"
      ? `messageId ${data.messageId} prefix ${data.prefix || "(none)"}`
      : event.type === "sent.status-changed"
        ? `ckey ${data.ckey} status ${data.status}${data.code ? ` code ${data.code}` : ""}`
        : `messageId ${data.messageId}`;
  return `${event.occurredAt}  ${String(event.type).padEnd(20)} ${detail}  (id ${event.id})`;
}

const print = (event: Event) => {
  if (shown(event)) console.log(options.json ? JSON.stringify(event) : readable(event));
};

// What is there now, then (with --follow) what comes after the last complete line: none missed or doubled.
const { events, offset } = await snapshotEventsLog(path);
for (const event of events) print(event);
if (options.follow) {
  const stop = new AbortController();
  process.on("SIGINT", () => stop.abort());
  process.on("SIGTERM", () => stop.abort());
  await followEventsLog(
    path,
    offset,
    (line) => {
      try {
        print(JSON.parse(line) as Event);
      } catch {}
    },
    stop.signal,
  );
}
