/**
 * Counting proxies the functions talk to instead of the local stand-ins (through
 * AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_SQS): each forwards every request unchanged to
 * the stand-in and records what it was, so the bench sees what the code does without knowing how
 * it does it.
 *
 * The DynamoDB meter prices every call by DynamoDB's rules (capacity.ts). A write's cost depends on
 * the item before and after it, which no response carries, so the meter reads the item straight from
 * the stand-in (uncounted) before and after forwarding the write, holding a lock on the item's key
 * meanwhile so that no other write through the meter changes it in between. Reads are priced from the
 * items they return; a read with a projection is priced from the whole item, as DynamoDB prices it.
 * Query and Scan are priced from the items returned (a lower bound when a filter dropped some).
 */
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import { DescribeTableCommand, DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import {
  type AttributeValue,
  canonical,
  type Item,
  itemSize,
  type ReadConsistency,
  readUnits,
  type TableShape,
  type WriteUnits,
  writeUnits,
} from "./capacity.ts";

const localCredentials = { accessKeyId: "local", secretAccessKey: "local" };

/** The wire JSON of any DynamoDB or SQS operation, read loosely: the meters read what they price and forward all of it untouched. */
// biome-ignore lint/suspicious/noExplicitAny: the requests and answers of every operation, read loosely
type Wire = Record<string, any>;

interface Exchange {
  operation: string;
  input: unknown;
  status: number;
  output: unknown;
}

interface ForwarderHooks {
  /**
   * Runs before the request is forwarded; what it returns runs once the answer is in, before it is
   * passed on (with undefined when there is no answer: the stand-in could not be reached).
   */
  around(operation: string, input: unknown): Promise<(exchange: Exchange | undefined) => Promise<void>>;
}

interface Forwarder {
  endpoint: string;
  /** Requests received and not yet answered. */
  inFlight(): number;
  close(): Promise<void>;
}

/** An HTTP forwarder on 127.0.0.1 to `target` (which may be settled later: requests wait for it). */
async function startForwarder(target: Promise<string>, hooks: ForwarderHooks): Promise<Forwarder> {
  const agent = new Agent({ keepAlive: true });
  let inFlight = 0;
  const server: Server = createServer((request, response) => {
    inFlight++;
    void (async () => {
      try {
        const chunks: Buffer[] = [];
        for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
        const body = Buffer.concat(chunks);
        const { operation, input } = parseRequest(request.headers, body);
        const done = await hooks.around(operation, input);
        let exchange: Exchange | undefined;
        let answer: Awaited<ReturnType<typeof forward>>;
        try {
          const targetUrl = new URL(await target);
          const method = request.method ?? "POST";
          answer = await forward(agent, targetUrl, method, request.url ?? "/", request.headers, body);
          exchange = { operation, input, status: answer.status, output: parseJson(answer.body) };
        } finally {
          await done(exchange);
        }
        const headers = { ...answer.headers };
        delete headers["transfer-encoding"];
        headers["content-length"] = String(answer.body.length);
        response.writeHead(answer.status, headers);
        response.end(answer.body);
      } catch (error) {
        response.writeHead(500, { "content-type": "application/x-amz-json-1.0" });
        response.end(JSON.stringify({ __type: "BenchMeterError", message: String(error) }));
        console.error("[bench meter]", error);
      } finally {
        inFlight--;
      }
    })();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("meter: no port");
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    inFlight: () => inFlight,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

function parseJson(body: Buffer): unknown {
  try {
    return body.length > 0 ? JSON.parse(body.toString("utf8")) : undefined;
  } catch {
    return undefined;
  }
}

function parseRequest(headers: IncomingHttpHeaders, body: Buffer): { operation: string; input: unknown } {
  const target = headers["x-amz-target"];
  if (typeof target === "string") {
    return { operation: target.slice(target.lastIndexOf(".") + 1), input: parseJson(body) };
  }
  // The query protocol (form-encoded, Action=...), as older SDKs speak to SQS.
  const form = Object.fromEntries(new URLSearchParams(body.toString("utf8")));
  return { operation: form.Action ?? "unknown", input: form };
}

function forward(
  agent: Agent,
  target: URL,
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        agent,
        host: target.hostname,
        port: target.port,
        method,
        path,
        headers: { ...headers, host: target.host },
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("end", () =>
          resolve({ status: incoming.statusCode ?? 500, headers: incoming.headers, body: Buffer.concat(chunks) }),
        );
        incoming.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

/** One DynamoDB call as the meter saw and priced it. */
export interface DynamoDbCall {
  operation: string;
  status: number;
  /** DynamoDB's error type (ConditionalCheckFailedException, ...), when it failed. */
  error?: string;
  rru: number;
  wru: number;
  /** Of `wru`, what indexes cost. */
  wruIndexes: number;
  /** The items it wrote (or tried to): table, key (as text, and as an item), size after it. */
  writes: { table: string; key: string; keyItem: Item; sizeAfter: number }[];
}

interface Write {
  table: string;
  key: Item;
  kind: "put" | "update" | "delete" | "check";
  /** What a put writes. */
  item?: Item;
  /** The item before the write, read under the key's lock. */
  before?: Item | undefined;
}

export interface DynamoDbMeter {
  endpoint: string;
  calls: DynamoDbCall[];
  /** The latest size of every item written through the meter, by `table|key`. */
  sizes: Map<string, number>;
  inFlight(): number;
  /** The stored item, read straight from the stand-in (uncounted). */
  getItem(table: string, key: Item): Promise<Item | undefined>;
  tableShape(table: string): Promise<TableShape>;
  close(): Promise<void>;
}

export async function startDynamoDbMeter(target: Promise<string>): Promise<DynamoDbMeter> {
  let direct: DynamoDBClient | undefined;
  const client = async () => {
    direct ??= new DynamoDBClient({ endpoint: await target, region: "ap-northeast-2", credentials: localCredentials });
    return direct;
  };
  const shapes = new Map<string, Promise<TableShape>>();
  const tableShape = (table: string) => {
    let shape = shapes.get(table);
    if (!shape) {
      shape = describe(table);
      shapes.set(table, shape);
    }
    return shape;
  };
  async function describe(table: string): Promise<TableShape> {
    const { Table } = await (await client()).send(new DescribeTableCommand({ TableName: table }));
    const keys = (schema: { AttributeName?: string }[] | undefined) =>
      (schema ?? []).map((element) => element.AttributeName ?? "");
    const indexes = [...(Table?.GlobalSecondaryIndexes ?? []), ...(Table?.LocalSecondaryIndexes ?? [])].map((index) => {
      const type = index.Projection?.ProjectionType ?? "ALL";
      return {
        name: index.IndexName ?? "",
        keyAttributes: keys(index.KeySchema),
        projection:
          type === "INCLUDE"
            ? { type, nonKeyAttributes: index.Projection?.NonKeyAttributes ?? [] }
            : { type: type as "ALL" | "KEYS_ONLY" },
      };
    });
    return { keyAttributes: keys(Table?.KeySchema), indexes };
  }
  const getItem = async (table: string, key: Item) => {
    const { Item: item } = await (await client()).send(
      new GetItemCommand({ TableName: table, Key: key as never, ConsistentRead: true }),
    );
    return item as Item | undefined;
  };

  const locks = new Map<string, Promise<void>>();
  async function lock(names: string[]): Promise<() => void> {
    const releases: (() => void)[] = [];
    for (const name of [...new Set(names)].sort()) {
      const previous = locks.get(name) ?? Promise.resolve();
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const chained = previous.then(() => held);
      locks.set(name, chained);
      await previous;
      releases.push(() => {
        release();
        if (locks.get(name) === chained) locks.delete(name);
      });
    }
    return () => {
      for (const release of releases) release();
    };
  }

  const calls: DynamoDbCall[] = [];
  const sizes = new Map<string, number>();
  const keyText = (table: string, key: Item) => `${table}|${canonical({ M: key })}`;
  const keyOf = (shape: TableShape, item: Item) =>
    Object.fromEntries(shape.keyAttributes.map((name) => [name, item[name] as AttributeValue]));

  const forwarder = await startForwarder(target, {
    async around(operation, rawInput) {
      const input = (rawInput ?? {}) as Wire;
      const writes = await plannedWrites(operation, input);
      const release = await lock(writes.map((write) => keyText(write.table, write.key)));
      try {
        for (const write of writes) write.before = await getItem(write.table, write.key);
      } catch (error) {
        release();
        throw error;
      }
      return async (exchange) => {
        try {
          if (exchange === undefined) return;
          const { status, output } = exchange;
          const answer = (output ?? {}) as Wire;
          const error =
            status === 200
              ? undefined
              : String(answer.__type ?? "unknown")
                  .split("#")
                  .pop();
          const call: DynamoDbCall = { operation, status, rru: 0, wru: 0, wruIndexes: 0, writes: [] };
          if (error) call.error = error;
          // A refused condition costs capacity; any other error (validation, throttling) none.
          const refused = error === "ConditionalCheckFailedException" || error === "TransactionCanceledException";
          if (writes.length > 0 && (status === 200 || refused)) {
            const transactional = operation === "TransactWriteItems";
            for (const write of writes) {
              const shape = await tableShape(write.table);
              const succeeded = status === 200 && write.kind !== "check";
              const after = !succeeded
                ? write.before
                : write.kind === "delete"
                  ? undefined
                  : (write.item ?? (await getItem(write.table, write.key)));
              const units: WriteUnits = writeUnits(shape, write.before, after, { succeeded, transactional });
              call.wru += units.total;
              call.wruIndexes += units.total - units.table;
              const key = keyText(write.table, write.key);
              const size = itemSize(after);
              call.writes.push({ table: write.table, key, keyItem: write.key, sizeAfter: size });
              sizes.set(key, size);
            }
          } else if (status === 200) {
            call.rru = await readCost(operation, input, answer);
          }
          calls.push(call);
        } finally {
          release();
        }
      };
    },
  });

  async function plannedWrites(operation: string, input: Wire): Promise<Write[]> {
    const put = async (table: string, item: Item): Promise<Write> => ({
      table,
      key: keyOf(await tableShape(table), item),
      kind: "put",
      item,
    });
    const keyed = (table: string, key: Item, kind: Write["kind"]): Write => ({ table, key, kind });
    switch (operation) {
      case "PutItem":
        return [await put(input.TableName, input.Item)];
      case "UpdateItem":
        return [keyed(input.TableName, input.Key, "update")];
      case "DeleteItem":
        return [keyed(input.TableName, input.Key, "delete")];
      case "BatchWriteItem": {
        const writes: Write[] = [];
        for (const [table, requests] of Object.entries(input.RequestItems ?? {}) as [string, Wire[]][]) {
          for (const each of requests) {
            if (each.PutRequest) writes.push(await put(table, each.PutRequest.Item));
            else if (each.DeleteRequest) writes.push(keyed(table, each.DeleteRequest.Key, "delete"));
          }
        }
        return writes;
      }
      case "TransactWriteItems": {
        const writes: Write[] = [];
        for (const action of input.TransactItems ?? []) {
          if (action.Put) writes.push(await put(action.Put.TableName, action.Put.Item));
          else if (action.Update) writes.push(keyed(action.Update.TableName, action.Update.Key, "update"));
          else if (action.Delete) writes.push(keyed(action.Delete.TableName, action.Delete.Key, "delete"));
          else if (action.ConditionCheck) {
            writes.push(keyed(action.ConditionCheck.TableName, action.ConditionCheck.Key, "check"));
          }
        }
        return writes;
      }
      default:
        return [];
    }
  }

  async function readCost(operation: string, input: Wire, output: Wire) {
    const consistency = (strong: unknown): ReadConsistency => (strong === true ? "strong" : "eventual");
    const projected = (request: Wire) =>
      request.ProjectionExpression !== undefined || request.AttributesToGet !== undefined;
    const fullSize = async (table: string, key: Item, returned: Item | undefined, request: Wire) =>
      itemSize(returned && projected(request) ? await getItem(table, key) : returned);
    switch (operation) {
      case "GetItem":
        return readUnits(
          await fullSize(input.TableName, input.Key, output.Item, input),
          consistency(input.ConsistentRead),
        );
      case "BatchGetItem": {
        let units = 0;
        for (const [table, request] of Object.entries(input.RequestItems ?? {}) as [string, Wire][]) {
          const shape = await tableShape(table);
          const returned: Item[] = output.Responses?.[table] ?? [];
          const unprocessed = output.UnprocessedKeys?.[table]?.Keys?.length ?? 0;
          for (const item of returned) {
            units += readUnits(
              await fullSize(table, keyOf(shape, item), item, request),
              consistency(request.ConsistentRead),
            );
          }
          const missing = (request.Keys?.length ?? 0) - returned.length - unprocessed;
          units += Math.max(0, missing) * readUnits(0, consistency(request.ConsistentRead));
        }
        return units;
      }
      case "TransactGetItems": {
        let units = 0;
        for (const [index, action] of (input.TransactItems ?? []).entries()) {
          const get = action.Get ?? {};
          const returned = output.Responses?.[index]?.Item;
          units += readUnits(await fullSize(get.TableName, get.Key, returned, get), "transactional");
        }
        return units;
      }
      case "Query":
      case "Scan": {
        const items: Item[] = output.Items ?? [];
        return readUnits(
          items.reduce((sum, item) => sum + itemSize(item), 0),
          consistency(input.ConsistentRead),
        );
      }
      default:
        return 0;
    }
  }

  return {
    endpoint: forwarder.endpoint,
    calls,
    sizes,
    inFlight: forwarder.inFlight,
    getItem,
    tableShape,
    close: async () => {
      await forwarder.close();
      direct?.destroy();
    },
  };
}

/** One message the functions sent to SQS, as the meter saw it. */
export interface SqsSend {
  queueUrl: string;
  body: string;
  /** Bytes SQS bills: the body and the message attributes (names, types, values). */
  bytes: number;
}

export interface SqsCall {
  operation: string;
  status: number;
  /** Billed requests: a send of 1 to 10 messages is one per 64 KB (65,536 bytes) of payload. */
  billed: number;
  messages: SqsSend[];
}

export interface SqsMeter {
  endpoint: string;
  calls: SqsCall[];
  inFlight(): number;
  close(): Promise<void>;
}

export const sqsChunkBytes = 65_536;

export async function startSqsMeter(target: Promise<string>): Promise<SqsMeter> {
  const calls: SqsCall[] = [];
  const forwarder = await startForwarder(target, {
    async around(operation, rawInput) {
      const input = (rawInput ?? {}) as Wire;
      return async (exchange) => {
        if (exchange === undefined) return;
        const { status } = exchange;
        const entries: Wire[] =
          operation === "SendMessage" ? [input] : operation === "SendMessageBatch" ? (input.Entries ?? []) : [];
        const messages = entries.map((entry) => {
          const body = String(entry.MessageBody ?? "");
          return { queueUrl: String(input.QueueUrl ?? ""), body, bytes: payloadBytes(body, entry.MessageAttributes) };
        });
        const payload = messages.reduce((sum, message) => sum + message.bytes, 0);
        calls.push({ operation, status, billed: Math.max(1, Math.ceil(payload / sqsChunkBytes)), messages });
      };
    },
  });
  return { endpoint: forwarder.endpoint, calls, inFlight: forwarder.inFlight, close: forwarder.close };
}

function payloadBytes(body: string, attributes: Wire | undefined): number {
  let bytes = Buffer.byteLength(body, "utf8");
  for (const [name, value] of Object.entries(attributes ?? {})) {
    bytes += Buffer.byteLength(name, "utf8") + Buffer.byteLength(String(value?.DataType ?? ""), "utf8");
    if (value?.StringValue !== undefined) bytes += Buffer.byteLength(String(value.StringValue), "utf8");
    if (value?.BinaryValue !== undefined) bytes += Buffer.from(String(value.BinaryValue), "base64").length;
  }
  return bytes;
}

/** One SNS publish call the functions made, as the meter saw it. */
export interface SnsCall {
  operation: string;
  status: number;
  /** Messages in it: 1 for Publish, the entries of a PublishBatch. */
  messages: number;
  /** Bytes SNS bills: the messages and their attributes (names, types, values). */
  bytes: number;
  /** Billed requests: SNS bills each 64 KB (65,536 bytes) of a call's payload as one request. */
  billed: number;
}

export interface SnsMeter {
  endpoint: string;
  calls: SnsCall[];
  inFlight(): number;
  close(): Promise<void>;
}

/**
 * Counts what the functions publish to SNS (the query protocol: form-encoded, Action=Publish or
 * PublishBatch, attributes as `MessageAttributes.entry.N.*`); other SNS calls pass uncounted.
 */
export async function startSnsMeter(target: Promise<string>): Promise<SnsMeter> {
  const calls: SnsCall[] = [];
  const forwarder = await startForwarder(target, {
    async around(operation, rawInput) {
      const form = (rawInput ?? {}) as Record<string, string>;
      return async (exchange) => {
        if (exchange === undefined || (operation !== "Publish" && operation !== "PublishBatch")) return;
        const bytes = snsPayloadBytes(form);
        const messages =
          operation === "Publish"
            ? 1
            : Object.keys(form).filter((key) => /^PublishBatchRequestEntries\.member\.\d+\.Id$/.test(key)).length;
        calls.push({
          operation,
          status: exchange.status,
          messages,
          bytes,
          billed: Math.max(1, Math.ceil(bytes / snsChunkBytes)),
        });
      };
    },
  });
  return { endpoint: forwarder.endpoint, calls, inFlight: forwarder.inFlight, close: forwarder.close };
}

export const snsChunkBytes = 65_536;

/** The bytes of a publish's messages and attributes, from its form fields. */
export function snsPayloadBytes(form: Record<string, string>): number {
  let bytes = 0;
  for (const [key, value] of Object.entries(form)) {
    if (
      /(^|\.)Message$/.test(key) ||
      /MessageAttributes\.entry\.\d+\.(Name|Value\.DataType|Value\.StringValue)$/.test(key)
    ) {
      bytes += Buffer.byteLength(value, "utf8");
    } else if (/MessageAttributes\.entry\.\d+\.Value\.BinaryValue$/.test(key)) {
      bytes += Buffer.from(value, "base64").length;
    }
  }
  return bytes;
}
