/**
 * `npm run simulator`: a ToBeText stand-in on this machine (simulator.ts), for a sender to send to.
 *
 *   npm run simulator -- --port 3100 --cid local-cid --token local-token
 *   npm run simulator -- --callback-delay-seconds 1,3 --repeats 2
 *
 * Cid and token default to TOBETEXT_CID and TOBETEXT_TOKEN, else "local-cid" and "local-token".
 * It logs one line per send request and callback attempt, and never a phone number, a Body, the
 * token or a callback URL (which holds the receiver's secret).
 */
import { parseArgs } from "node:util";
import { sendCredentialSettings } from "../../functions/contract.ts";
import { startToBeTextSimulator } from "./simulator.ts";

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        port: { type: "string", default: "3100" },
        host: { type: "string", default: "127.0.0.1" },
        cid: { type: "string", default: process.env[sendCredentialSettings.cid] || "local-cid" },
        token: { type: "string", default: process.env[sendCredentialSettings.token] || "local-token" },
        "callback-delay-seconds": { type: "string", default: "1,3" },
        repeats: { type: "string", default: "2" },
      },
    });
  } catch (error) {
    fail((error as Error).message);
  }
})();

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port ${values.port} is not a port number`);
const repeats = Number(values.repeats);
if (!Number.isInteger(repeats) || repeats < 0) fail(`--repeats ${values.repeats} is not a whole number`);
const delays = values["callback-delay-seconds"].split(",").map((part) => Number(part) * 1000);
const min = delays[0] ?? Number.NaN;
const max = delays[1] ?? min;
if (delays.length > 2 || !(min >= 0) || !(max >= min))
  fail(`--callback-delay-seconds ${values["callback-delay-seconds"]} is not MIN or MIN,MAX (seconds, MIN ≤ MAX)`);

const simulator = await startToBeTextSimulator({
  port,
  host: values.host,
  credentials: { cid: values.cid, token: values.token },
  callbackDelayMs: { min, max },
  callbackRepeats: repeats,
  log: (line) => console.log(`${new Date().toISOString()} ${line}`),
}).catch((error: NodeJS.ErrnoException) =>
  fail(
    error.code === "EADDRINUSE"
      ? `port ${port} on ${values.host} is in use: choose another with --port`
      : error.message,
  ),
);

console.log(
  `ToBeText simulator: send URL ${simulator.sendUrl}  inspect ${simulator.url}/_simulator/requests ` +
    `${simulator.url}/_simulator/callbacks  (Ctrl-C stops it)`,
);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await simulator.stop();
  console.log("simulator stopped");
  process.exit(0);
};
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());

function fail(message: string): never {
  console.error(`npm run simulator: ${message}`);
  process.exit(1);
}
