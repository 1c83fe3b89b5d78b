/**
 * DynamoDB (dynalite) and SQS (fauxqs) in a process of their own, in memory, for the CPU bench: the
 * handlers it times run in its process, and the stand-ins' own work must not count. Prints the
 * endpoints as one JSON line; stops when its stdin closes.
 */
import { startDynalite, startSqs } from "../../infra/local/stand-ins.ts";

const dynamoDb = await startDynalite(undefined);
const sqs = await startSqs(undefined);
process.stdout.write(`${JSON.stringify({ dynamoDb: dynamoDb.endpoint, sqs: sqs.endpoint })}\n`);
process.stdin.resume();
process.stdin.on("end", async () => {
  await dynamoDb.stop();
  await sqs.stop();
  process.exit(0);
});
