/** The local stack's own settings (PORT, HOST, DYNAMODB_TARGET, DYNAMODB_ENDPOINT, DYNAMODB_TABLE_PREFIX), read in one place. */
import { describe, expect, it } from "vitest";
import {
  dynamoDbChoice,
  dynamoDbEndpoint,
  dynamoDbTablePrefix,
  dynamoDbTarget,
  listenAddress,
} from "../../infra/local/settings.ts";

describe("local settings", () => {
  it("default to port 3000 on 127.0.0.1 and dynalite; an empty value counts as unset", () => {
    expect(listenAddress({})).toEqual({ port: 3000, host: "127.0.0.1" });
    expect(listenAddress({ PORT: "", HOST: "" })).toEqual({ port: 3000, host: "127.0.0.1" });
    expect(dynamoDbTarget({})).toBe("dynalite");
    expect(dynamoDbTarget({ DYNAMODB_TARGET: "" })).toBe("dynalite");
  });

  it("take PORT, HOST and DYNAMODB_TARGET as given", () => {
    expect(listenAddress({ PORT: "3917", HOST: "0.0.0.0" })).toEqual({ port: 3917, host: "0.0.0.0" });
    expect(listenAddress({ PORT: "0" })).toEqual({ port: 0, host: "127.0.0.1" });
    expect(dynamoDbTarget({ DYNAMODB_TARGET: "dynamodb-local" })).toBe("dynamodb-local");
    expect(dynamoDbTarget({ DYNAMODB_TARGET: "dynalite" })).toBe("dynalite");
  });

  it.each(["abc", "3000.5", "-1", "65536"])("refuses PORT=%s, naming it", (port) => {
    expect(() => listenAddress({ PORT: port })).toThrow(`PORT must be a port number (0 to 65535), not "${port}"`);
  });

  it("refuses a DYNAMODB_TARGET it does not know, naming the ones it does", () => {
    expect(() => dynamoDbTarget({ DYNAMODB_TARGET: "dynamo" })).toThrow(
      'DYNAMODB_TARGET must be one of dynalite, dynamodb-local, not "dynamo"',
    );
  });
});

describe("DYNAMODB_ENDPOINT and DYNAMODB_TABLE_PREFIX", () => {
  it("are unset by default (or empty): the stand-in DYNAMODB_TARGET picks, tables named tobetext-<id>", () => {
    expect(dynamoDbEndpoint({})).toBeUndefined();
    expect(dynamoDbEndpoint({ DYNAMODB_ENDPOINT: "" })).toBeUndefined();
    expect(dynamoDbChoice({})).toEqual({ target: "dynalite" });
    expect(dynamoDbChoice({ DYNAMODB_TARGET: "dynamodb-local", DYNAMODB_ENDPOINT: "" })).toEqual({
      target: "dynamodb-local",
    });
    expect(dynamoDbTablePrefix({})).toBe("tobetext-");
    expect(dynamoDbTablePrefix({ DYNAMODB_TABLE_PREFIX: "" })).toBe("tobetext-");
  });

  it("take an http or https URL, and a prefix of the characters DynamoDB allows in a table name", () => {
    expect(dynamoDbChoice({ DYNAMODB_ENDPOINT: "http://127.0.0.1:8000" })).toEqual({
      endpoint: "http://127.0.0.1:8000",
    });
    expect(dynamoDbEndpoint({ DYNAMODB_ENDPOINT: "http://localhost:8000/" })).toBe("http://localhost:8000");
    expect(dynamoDbEndpoint({ DYNAMODB_ENDPOINT: "https://dynamodb.ap-northeast-2.amazonaws.com" })).toBe(
      "https://dynamodb.ap-northeast-2.amazonaws.com",
    );
    // An empty DYNAMODB_TARGET counts as unset, so the endpoint is not refused for it.
    expect(dynamoDbChoice({ DYNAMODB_ENDPOINT: "http://dynamodb:8000", DYNAMODB_TARGET: "" })).toEqual({
      endpoint: "http://dynamodb:8000",
    });
    expect(dynamoDbTablePrefix({ DYNAMODB_TABLE_PREFIX: "alice.tobetext_dev-" })).toBe("alice.tobetext_dev-");
  });

  it.each(["localhost:8000", "127.0.0.1:8000", "ftp://127.0.0.1:8000", "http://", "http://user:pw@127.0.0.1:8000"])(
    "refuse DYNAMODB_ENDPOINT=%s, naming it",
    (value) => {
      expect(() => dynamoDbEndpoint({ DYNAMODB_ENDPOINT: value })).toThrow(
        `DYNAMODB_ENDPOINT must be an http:// or https:// URL, such as http://127.0.0.1:8000, not "${value}"`,
      );
    },
  );

  it("refuse DYNAMODB_ENDPOINT and DYNAMODB_TARGET at once, whichever the target", () => {
    for (const target of ["dynalite", "dynamodb-local"]) {
      expect(() => dynamoDbChoice({ DYNAMODB_ENDPOINT: "http://127.0.0.1:8000", DYNAMODB_TARGET: target })).toThrow(
        "DYNAMODB_ENDPOINT and DYNAMODB_TARGET are both set",
      );
    }
  });

  it.each(["alice tobetext-", "tobetext/", "x".repeat(201)])("refuse DYNAMODB_TABLE_PREFIX=%s", (value) => {
    expect(() => dynamoDbTablePrefix({ DYNAMODB_TABLE_PREFIX: value })).toThrow(
      `DYNAMODB_TABLE_PREFIX may use only letters, digits and _ . - (at most 200), not "${value}"`,
    );
  });
});
