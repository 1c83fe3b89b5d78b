import { describe, expect, it } from "vitest";
import { readProcessorConfig } from "../../functions/config/processor.ts";
import { readReceiverConfig } from "../../functions/config/receiver.ts";
import { listSetting, logLevel, required, SettingError } from "../../functions/config/settings.ts";
import { readUserSettings } from "../../functions/config/user-settings.ts";
import { queueLimits, routeContracts, settingDefaults } from "../../functions/contract.ts";

const defaultWindowMs = Number(settingDefaults.DEDUPE_WINDOW_SECONDS) * 1000;

describe("required", () => {
  it("returns the value, trimmed", () => {
    expect(required({ QUEUE_URL: "  https://sqs.example/q \n" }, "QUEUE_URL")).toBe("https://sqs.example/q");
  });

  it.each([
    ["missing", {}],
    ["empty", { QUEUE_URL: "" }],
    ["whitespace only", { QUEUE_URL: "  \t" }],
    ["undefined", { QUEUE_URL: undefined }],
  ])("throws a SettingError naming the setting when it is %s", (_label, env) => {
    expect(() => required(env, "QUEUE_URL")).toThrow(SettingError);
    expect(() => required(env, "QUEUE_URL")).toThrow(/QUEUE_URL/);
  });

  it("refuses a TOBETEXT_SENDER that is not one of TOBETEXT_NUMBERS", () => {
    expect(() => readUserSettings({ TOBETEXT_NUMBERS: "02-1234-5678", TOBETEXT_SENDER: "1588-1234" })).toThrow(
      /TOBETEXT_SENDER: 1588-1234 is not one of TOBETEXT_NUMBERS/,
    );
  });

  it("reads only the env it is given", () => {
    process.env.SETTINGS_TEST_ONLY_IN_PROCESS = "set";
    try {
      expect(() => required({}, "SETTINGS_TEST_ONLY_IN_PROCESS")).toThrow(SettingError);
    } finally {
      delete process.env.SETTINGS_TEST_ONLY_IN_PROCESS;
    }
  });
});

describe("listSetting", () => {
  it.each([
    ["a single entry", "TOBE", ["TOBE"]],
    ["comma-separated entries, trimmed", " TOBE , TOBETEXT,투비 ", ["TOBE", "TOBETEXT", "투비"]],
    ["empty entries dropped", ",TOBE,, ,TOBETEXT,", ["TOBE", "TOBETEXT"]],
    ["an empty value", "", []],
    ["only commas and spaces", " , ,", []],
  ])("reads %s", (_label, value, expected) => {
    expect(listSetting({ PREFIXES: value }, "PREFIXES")).toEqual(expected);
  });

  it("gives an empty list when the setting is missing", () => {
    expect(listSetting({}, "PREFIXES")).toEqual([]);
  });
});

describe("readUserSettings", () => {
  it("gives the contract's default for every setting not set", () => {
    expect(readUserSettings({})).toEqual({
      prefixes: [],
      receivingNumbers: new Set(),
      allowedSources: undefined,
      logLevel: "info",
      dedupeWindowMs: defaultWindowMs,
      sendApiUrl: "https://api-dev.tbnws.com:18443/sms",
      resultTimeoutMs: 72 * 3600 * 1000,
      defaultSender: undefined,
      optKeywords: {
        optOut: new Set([
          "수신거부",
          "거부",
          "해지",
          "수신해지",
          "수신중지",
          "광고거부",
          "무료거부",
          "무료수신거부",
          "080수신거부",
          "STOP",
          "UNSUBSCRIBE",
        ]),
        optIn: new Set(["수신동의", "광고수신동의", "START"]),
      },
      optOutConfirmation: undefined,
      optInConfirmation: undefined,
      autoReplies: { replies: new Map(), ownNumbers: [] },
    });
  });

  it("reads the sending settings", () => {
    expect(
      readUserSettings({
        TOBETEXT_NUMBERS: "02-1234-5678, 1588-1234",
        TOBETEXT_SENDER: "1588-1234",
        TOBETEXT_API_URL: "http://api2-dev.tbnws.com/sms",
        SEND_RESULT_TIMEOUT_SECONDS: "60",
      }),
    ).toMatchObject({
      defaultSender: "+8215881234",
      sendApiUrl: "http://api2-dev.tbnws.com/sms",
      resultTimeoutMs: 60_000,
    });
  });

  it("reads every setting a user sets", () => {
    const settings = readUserSettings({
      TOBETEXT_PREFIXES: "TOBE, 투비",
      TOBETEXT_NUMBERS: "010-1234-5678, +82 2 1234 5678",
      DEDUPE_WINDOW_SECONDS: "60",
      TOBETEXT_ALLOWED_CIDRS: "203.0.113.0/24",
      LOG_LEVEL: "debug",
    });
    expect(settings).toMatchObject({ prefixes: ["TOBE", "투비"], dedupeWindowMs: 60_000, logLevel: "debug" });
    expect([...settings.receivingNumbers]).toEqual(["+821012345678", "+82212345678"]);
    expect(settings.allowedSources?.check("203.0.113.9", "ipv4")).toBe(true);
  });

  it.each([
    ["TOBETEXT_NUMBERS", "010-1234-5678,not-a-number", /TOBETEXT_NUMBERS: not-a-number is not a phone number/],
    ["DEDUPE_WINDOW_SECONDS", "0", /DEDUPE_WINDOW_SECONDS/],
    ["TOBETEXT_ALLOWED_CIDRS", "203.0.113.0/33", /TOBETEXT_ALLOWED_CIDRS has an invalid CIDR: 203.0.113.0\/33/],
    ["LOG_LEVEL", "verbose", /LOG_LEVEL/],
    ["TOBETEXT_API_URL", "ftp://api-dev.tbnws.com/sms", /TOBETEXT_API_URL must be an http\(s\) URL/],
    ["TOBETEXT_API_URL", "https://user:pass@api-dev.tbnws.com/sms", /TOBETEXT_API_URL must be an http\(s\) URL/],
    ["SEND_RESULT_TIMEOUT_SECONDS", "-5", /SEND_RESULT_TIMEOUT_SECONDS/],
    ["TOBETEXT_SENDER", "abc", /TOBETEXT_SENDER: abc is not a phone number/],
  ])("refuses, naming it, a malformed %s", (name, value, message) => {
    expect(() => readUserSettings({ [name]: value })).toThrow(SettingError);
    expect(() => readUserSettings({ [name]: value })).toThrow(message);
  });

  it("refuses a TOBETEXT_SENDER that is not one of TOBETEXT_NUMBERS", () => {
    expect(() => readUserSettings({ TOBETEXT_NUMBERS: "02-1234-5678", TOBETEXT_SENDER: "1588-1234" })).toThrow(
      /TOBETEXT_SENDER: 1588-1234 is not one of TOBETEXT_NUMBERS/,
    );
  });

  it("reads only the env it is given", () => {
    process.env.DEDUPE_WINDOW_SECONDS = "not a number";
    try {
      expect(readUserSettings({}).dedupeWindowMs).toBe(defaultWindowMs);
    } finally {
      delete process.env.DEDUPE_WINDOW_SECONDS;
    }
  });
});

describe("the dedupe window (DEDUPE_WINDOW_SECONDS), a positive whole number", () => {
  const windowOf = (value: string | undefined) => readUserSettings({ DEDUPE_WINDOW_SECONDS: value }).dedupeWindowMs;

  it.each([
    ["1", 1],
    ["3600", 3600],
    [" 60 ", 60],
    ["007", 7],
  ])("reads %j as %i seconds", (value, seconds) => {
    expect(windowOf(value)).toBe(seconds * 1000);
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["whitespace only", "   "],
  ])("falls back to the contract's default when %s", (_label, value) => {
    expect(windowOf(value)).toBe(defaultWindowMs);
  });

  it.each(["0", "000", "-5", "1.5", "1e3", "abc", "12abc", "0x10", "+5"])(
    "throws a SettingError naming the setting and value for %j",
    (value) => {
      expect(() => windowOf(value)).toThrow(SettingError);
      expect(() => windowOf(value)).toThrow(
        `Setting DEDUPE_WINDOW_SECONDS must be a positive whole number, got "${value}"`,
      );
    },
  );
});

describe("the log level (LOG_LEVEL)", () => {
  it.each([
    ["debug", "debug"],
    ["WARN", "warn"],
    [" Error ", "error"],
  ])("reads %j as %s, ignoring case and surrounding whitespace", (value, expected) => {
    expect(logLevel({ LOG_LEVEL: value })).toBe(expected);
    expect(readUserSettings({ LOG_LEVEL: value }).logLevel).toBe(expected);
  });

  it.each([
    ["missing", {}],
    ["empty", { LOG_LEVEL: "" }],
    ["whitespace only", { LOG_LEVEL: " " }],
  ])("falls back to the contract's default when %s", (_label, env) => {
    expect(logLevel(env)).toBe(settingDefaults.LOG_LEVEL);
  });

  it("throws a SettingError listing the allowed values for anything else", () => {
    expect(() => logLevel({ LOG_LEVEL: "verbose" })).toThrow(SettingError);
    expect(() => logLevel({ LOG_LEVEL: "verbose" })).toThrow(
      'Setting LOG_LEVEL must be one of debug, info, warn, error, silent, got "verbose"',
    );
  });
});

describe("the caller allowlist (TOBETEXT_ALLOWED_CIDRS)", () => {
  it.each([
    ["unset", {}],
    ["empty", { TOBETEXT_ALLOWED_CIDRS: " , " }],
  ])("is off when %s", (_label, env) => {
    expect(readUserSettings(env).allowedSources).toBeUndefined();
  });

  it.each(["203.0.113.0/33", "not-an-ip/24", "2001:db8::/129"])("refuses to start with %s", (cidr) => {
    expect(() => readUserSettings({ TOBETEXT_ALLOWED_CIDRS: cidr })).toThrow(SettingError);
  });
});

describe("readReceiverConfig", () => {
  it.each([
    ["inboundSms", "INBOUND_QUEUE_URL"],
    ["statusCallback", "STATUS_QUEUE_URL"],
  ] as const)("gives %s its queue (%s), its limits and the user's settings", (route, queueSetting) => {
    const config = readReceiverConfig(route, {
      [queueSetting]: " https://sqs.example/q ",
      TOBETEXT_PREFIXES: "TOBE",
      TOBETEXT_URL_SECRETS: "secret-0123456789abcdef",
    });
    expect(config).toMatchObject({
      route,
      queueUrl: "https://sqs.example/q",
      maxMessageBytes: queueLimits.maxMessageBytes,
      maxBodyBytes: routeContracts[route].maxBodyBytes,
      label: routeContracts[route].label,
      settings: { prefixes: ["TOBE"], logLevel: "info" },
      urlSecrets: { secrets: ["secret-0123456789abcdef"] },
    });
  });

  it("refuses to start a receive function without a URL secret", () => {
    expect(() => readReceiverConfig("inboundSms", { INBOUND_QUEUE_URL: "https://sqs.example/q" })).toThrow(
      "No URL secret",
    );
  });

  it.each([
    ["inboundSms", "INBOUND_QUEUE_URL", "STATUS_QUEUE_URL"],
    ["statusCallback", "STATUS_QUEUE_URL", "INBOUND_QUEUE_URL"],
  ] as const)("refuses to start %s without %s, whatever else is set", (route, queueSetting, otherQueue) => {
    expect(() => readReceiverConfig(route, { [otherQueue]: "https://sqs.example/other" })).toThrow(SettingError);
    expect(() => readReceiverConfig(route, {})).toThrow(queueSetting);
  });

  it("refuses to start with a malformed user setting", () => {
    expect(() =>
      readReceiverConfig("inboundSms", { INBOUND_QUEUE_URL: "https://sqs.example/q", TOBETEXT_NUMBERS: "abc" }),
    ).toThrow(SettingError);
  });
});

describe("readProcessorConfig", () => {
  const tables = {
    INBOUND_MESSAGES_TABLE: "inbound-messages",
    DEDUPE_TABLE: "dedupe",
    DELIVERY_REPORTS_TABLE: "delivery-reports",
    REJECTED_REQUESTS_TABLE: "rejected-requests",
  };

  it("gives the tables it is asked for, by id, and the processor's settings", () => {
    expect(
      readProcessorConfig(["inboundMessages", "dedupe", "rejectedRequests"], {
        ...tables,
        DEDUPE_WINDOW_SECONDS: "60",
      }),
    ).toEqual({
      settings: { dedupeWindowMs: 60_000, logLevel: "info" },
      tableNames: { inboundMessages: "inbound-messages", dedupe: "dedupe", rejectedRequests: "rejected-requests" },
    });
  });

  it.each([
    ["INBOUND_MESSAGES_TABLE", ["inboundMessages", "dedupe", "rejectedRequests"]],
    ["DEDUPE_TABLE", ["inboundMessages", "dedupe", "rejectedRequests"]],
    ["DELIVERY_REPORTS_TABLE", ["deliveryReports", "rejectedRequests"]],
    ["REJECTED_REQUESTS_TABLE", ["deliveryReports", "rejectedRequests"]],
  ] as const)("refuses to start without %s when it uses that table", (missing, used) => {
    const env = { ...tables, [missing]: " " };
    expect(() => readProcessorConfig(used, env)).toThrow(SettingError);
    expect(() => readProcessorConfig(used, env)).toThrow(missing);
  });

  it("needs no table it does not use, nor any receiver setting", () => {
    expect(
      readProcessorConfig(["deliveryReports"], { DELIVERY_REPORTS_TABLE: "reports", TOBETEXT_NUMBERS: "not a number" })
        .tableNames,
    ).toEqual({ deliveryReports: "reports" });
  });

  it("refuses to start with a malformed processor setting", () => {
    expect(() => readProcessorConfig(["dedupe"], { ...tables, DEDUPE_WINDOW_SECONDS: "1.5" })).toThrow(SettingError);
  });
});

describe("SettingError", () => {
  it("is an Error named SettingError", () => {
    const error = new SettingError("x");
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("SettingError");
  });
});
