/** The local stack's own settings (PORT, HOST, DYNAMODB_TARGET), read in one place. */
import { describe, expect, it } from "vitest";
import { dynamoDbTarget, listenAddress } from "../../infra/local/settings.ts";

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
