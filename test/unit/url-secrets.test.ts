import { describe, expect, it, vi } from "vitest";
import { cachedSecrets, parseSecretValue, urlSecretsFrom } from "../../functions/adapters/url-secrets.ts";
import { SettingError } from "../../functions/config/settings.ts";
import { readUrlSecretSource } from "../../functions/config/url-secrets.ts";

const current = "current-secret-0123456789";
const previous = "previous-secret-0123456789";

describe("the URL secrets from the environment", () => {
  it("gives the secrets, current first", async () => {
    const source = readUrlSecretSource({ TOBETEXT_URL_SECRETS: `${current}, ${previous}` });
    expect(await urlSecretsFrom(source)()).toEqual([current, previous]);
  });

  it("takes a Secrets Manager secret's ARN over secrets given directly", () => {
    const secretArn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:url-AbCdEf";
    expect(readUrlSecretSource({ TOBETEXT_URL_SECRET_ARN: secretArn, TOBETEXT_URL_SECRETS: current })).toEqual({
      secretArn,
    });
  });

  it.each([
    ["none", {}],
    ["a short one", { TOBETEXT_URL_SECRETS: "short" }],
    ["one that does not fit in a URL path", { TOBETEXT_URL_SECRETS: "has/slash-0123456789abc" }],
  ])("refuses to start with %s", (_name, env) => {
    expect(() => readUrlSecretSource(env)).toThrow(SettingError);
  });
});

describe("parseSecretValue", () => {
  it("reads current and the optional previous", () => {
    expect(parseSecretValue(JSON.stringify({ current, previous }), "s")).toEqual([current, previous]);
    expect(parseSecretValue(JSON.stringify({ current }), "s")).toEqual([current]);
  });

  it.each(["not json", "{}", JSON.stringify({ current: "short" })])("refuses %s", (value) => {
    expect(() => parseSecretValue(value, "s")).toThrow(SettingError);
  });
});

describe("cachedSecrets (the Secrets Manager path, with the read injected)", () => {
  it("reads once per cache period, and once for many waiting requests", async () => {
    let clock = 0;
    const read = vi.fn(async () => JSON.stringify({ current }));
    const secrets = cachedSecrets(read, () => clock, 300_000);
    await Promise.all([secrets(), secrets(), secrets()]);
    clock = 299_999;
    expect(await secrets()).toEqual([current]);
    expect(read).toHaveBeenCalledTimes(1);
    clock = 300_000;
    await secrets();
    expect(read).toHaveBeenCalledTimes(2);
  });

  it("picks up a rotation after the cache period", async () => {
    let clock = 0;
    let value = JSON.stringify({ current: previous });
    const secrets = cachedSecrets(
      async () => value,
      () => clock,
      1000,
    );
    expect(await secrets()).toEqual([previous]);
    value = JSON.stringify({ current, previous });
    clock = 1000;
    expect(await secrets()).toEqual([current, previous]);
  });

  it("keeps the secrets last read when a refresh fails, and fails when it never read any", async () => {
    let clock = 0;
    let failing = false;
    const secrets = cachedSecrets(
      async () => {
        if (failing) throw new Error("Secrets Manager unavailable");
        return JSON.stringify({ current });
      },
      () => clock,
      1000,
    );
    expect(await secrets()).toEqual([current]);
    failing = true;
    clock = 5000;
    expect(await secrets()).toEqual([current]);

    const never = cachedSecrets(async () => {
      throw new Error("Secrets Manager unavailable");
    });
    await expect(never()).rejects.toThrow("Secrets Manager unavailable");
  });
});
