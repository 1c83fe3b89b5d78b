import { DynamoDBClient, CreateTableCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { startDynamoDb } from "../infra/local/stand-ins.ts";
const target = process.argv[2] as "dynalite" | "dynamodb-local";
const db = await (startDynamoDb as any)(target, undefined);
console.log(Object.keys(db));
const client = new DynamoDBClient({ endpoint: (db as any).endpoint ?? (db as any).url, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
await client.send(new CreateTableCommand({ TableName: "ttt", KeySchema: [{ AttributeName: "k", KeyType: "HASH" }], AttributeDefinitions: [{ AttributeName: "k", AttributeType: "S" }], BillingMode: "PAY_PER_REQUEST" }));
await client.send(new PutItemCommand({ TableName: "ttt", Item: { k: { S: "a" }, s: { SS: ["x"] } } }));
try {
  await client.send(new UpdateItemCommand({ TableName: "ttt", Key: { k: { S: "a" } }, UpdateExpression: "ADD s :e", ConditionExpression: "NOT contains(s, :x)", ExpressionAttributeValues: { ":e": { SS: ["x"] }, ":x": { S: "x" } }, ReturnValuesOnConditionCheckFailure: "ALL_OLD" }));
} catch (e: any) { console.log(target, e.name, JSON.stringify(e.Item)); }
await db.stop?.(); process.exit(0);
