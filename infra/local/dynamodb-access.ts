/**
 * How the local stack, the functions it runs and the local tools (records, smoke) reach DynamoDB: the
 * stand-in npm start runs itself, with the local placeholder credentials; or a DynamoDB that already runs
 * (DYNAMODB_ENDPOINT), with the user's own AWS credentials and region, as the AWS CLI pointed at that
 * endpoint would use them. Only when none are found, and the endpoint is not AWS's (a DynamoDB Local
 * takes any access key of letters and digits), does npm start fill in the placeholders. DynamoDB Local
 * keeps a database per access key and region (unless started with -sharedDb): the same credentials and
 * region find the same tables, in npm start, the functions, the records tool and the user's AWS CLI.
 */
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { localCredentials, localRegion } from "./stand-ins.ts";

export interface DynamoDbAccess {
  endpoint: string;
  region: string;
  /**
   * `local`: the local placeholder credentials. `environment`: the SDK's default chain (AWS_ACCESS_KEY_ID
   * and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ...), never written anywhere by the local stack.
   */
  credentials: "local" | "environment";
}

/** A client for DynamoDB as `access` describes it. */
export function dynamoDbClient(access: DynamoDbAccess, maxAttempts?: number): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: access.endpoint,
    region: access.region,
    ...(access.credentials === "local" ? { credentials: localCredentials } : {}),
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
    // A host that never answers fails the start in seconds rather than hanging it.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
  });
}

/** The region of one of AWS's DynamoDB endpoints (dynamodb.<region>.amazonaws.com, ...); undefined for others. */
export function awsEndpointRegion(endpoint: string): string | undefined {
  const host = new URL(endpoint).hostname;
  return /^dynamodb(?:-fips)?\.([a-z0-9-]+)\.(?:amazonaws\.com(?:\.cn)?|api\.aws)$/.exec(host)?.[1];
}

export interface ExistingDynamoDb {
  access: DynamoDbAccess;
  /**
   * What the functions need in their environment on top of the user's: AWS_REGION when no region is
   * configured, the placeholder credentials when none are found. Never a value the user has set.
   */
  environment: Record<string, string>;
}

/**
 * Resolves the region and credentials for a DynamoDB that already runs at `endpoint`, and checks that it
 * answers with them. Fails with one line saying what is wrong: a region that is not the endpoint's, no
 * credentials for AWS's DynamoDB, an endpoint that does not answer or refuses them.
 */
export async function connectExistingDynamoDb(endpoint: string): Promise<ExistingDynamoDb> {
  const endpointRegion = awsEndpointRegion(endpoint);
  const isAws = endpointRegion !== undefined || /\.(amazonaws\.com(\.cn)?|api\.aws)$/.test(new URL(endpoint).hostname);
  // The SDK's own region and credential chains, exactly as the functions' clients will resolve them.
  const probe = new DynamoDBClient({ endpoint });
  let configuredRegion: string | undefined;
  let credentialsError: Error | undefined;
  try {
    // An empty AWS_REGION counts as unset, as every empty setting here does.
    configuredRegion = (await probe.config.region().catch(() => undefined)) || undefined;
    await probe.config.credentials().catch((error: Error) => {
      credentialsError = error;
    });
  } finally {
    probe.destroy();
  }
  if (endpointRegion && configuredRegion && configuredRegion !== endpointRegion) {
    throw new Error(
      `DYNAMODB_ENDPOINT ${endpoint} is in region ${endpointRegion}, but the AWS region set here ` +
        `(AWS_REGION, or the profile's) is ${configuredRegion}: set AWS_REGION=${endpointRegion}`,
    );
  }
  if (credentialsError && isAws) {
    throw new Error(
      `DYNAMODB_ENDPOINT ${endpoint} is AWS's DynamoDB: npm start needs your AWS credentials for it ` +
        `(AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), and found none (${oneLine(credentialsError)})`,
    );
  }
  const region = configuredRegion ?? endpointRegion ?? localRegion;
  const credentials = credentialsError ? "local" : "environment";
  const access: DynamoDbAccess = { endpoint, region, credentials };
  const environment: Record<string, string> = {
    ...(configuredRegion ? {} : { AWS_REGION: region }),
    ...(credentials === "local"
      ? { AWS_ACCESS_KEY_ID: localCredentials.accessKeyId, AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey }
      : {}),
  };

  const client = dynamoDbClient(access, 2);
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
  } catch (error) {
    const using = credentials === "local" ? "local placeholder credentials" : "your AWS credentials";
    throw new Error(
      `DynamoDB at ${endpoint} (DYNAMODB_ENDPOINT) did not answer: ${oneLine(error as Error)} (region ${region}, ${using})`,
    );
  } finally {
    client.destroy();
  }
  return { access, environment };
}

/** An error in one line: its name and message, or its code (a refused connection may have no message). */
function oneLine(error: Error & { code?: string; errors?: Error[] }): string {
  const message = error.message || error.errors?.map((inner) => inner.message).join(", ") || error.code || "";
  return `${error.name}${message ? `: ${message}` : ""}`.replace(/\s*\n\s*/g, " ");
}
