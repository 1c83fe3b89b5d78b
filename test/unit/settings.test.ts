import { describe, expect, it } from "vitest";
import {
  listSetting,
  oneOfSetting,
  positiveIntegerSetting,
  requiredSetting,
  SettingError,
} from "../../functions/shared/settings.ts";

describe("requiredSetting", () => {
  it("returns the value, trimmed", () => {
    expect(requiredSetting("QUEUE_URL", { QUEUE_URL: "  https://sqs.example/q \n" })).toBe("https://sqs.example/q");
  });

  it.each([
    ["missing", {}],
    ["empty", { QUEUE_URL: "" }],
    ["whitespace only", { QUEUE_URL: "  \t" }],
    ["undefined", { QUEUE_URL: undefined }],
  ])("throws a SettingError naming the setting when it is %s", (_label, env) => {
    expect(() => requiredSetting("QUEUE_URL", env)).toThrow(SettingError);
    expect(() => requiredSetting("QUEUE_URL", env)).toThrow(/QUEUE_URL/);
  });

  it("reads only the env it is given", () => {
    process.env.SETTINGS_TEST_ONLY_IN_PROCESS = "set";
    try {
      expect(() => requiredSetting("SETTINGS_TEST_ONLY_IN_PROCESS", {})).toThrow(SettingError);
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
    expect(listSetting("PREFIXES", { PREFIXES: value })).toEqual(expected);
  });

  it("gives an empty list when the setting is missing", () => {
    expect(listSetting("PREFIXES", {})).toEqual([]);
  });
});

describe("positiveIntegerSetting", () => {
  it.each([
    ["1", 1],
    ["3600", 3600],
    [" 60 ", 60],
    ["007", 7],
  ])("reads %j as %i", (value, expected) => {
    expect(positiveIntegerSetting("WINDOW", 10, { WINDOW: value })).toBe(expected);
  });

  it.each([
    ["missing", {}],
    ["empty", { WINDOW: "" }],
    ["whitespace only", { WINDOW: "   " }],
  ])("falls back when %s", (_label, env) => {
    expect(positiveIntegerSetting("WINDOW", 10, env)).toBe(10);
  });

  it.each(["0", "000", "-5", "1.5", "1e3", "abc", "12abc", "0x10", "+5"])(
    "throws a SettingError naming the setting and value for %j",
    (value) => {
      expect(() => positiveIntegerSetting("WINDOW", 10, { WINDOW: value })).toThrow(SettingError);
      expect(() => positiveIntegerSetting("WINDOW", 10, { WINDOW: value })).toThrow(
        `Setting WINDOW must be a positive whole number, got "${value}"`,
      );
    },
  );
});

describe("oneOfSetting", () => {
  const levels = ["debug", "info", "warn", "error", "silent"] as const;

  it.each([
    ["debug", "debug"],
    ["WARN", "warn"],
    [" Error ", "error"],
  ])("reads %j as %s, ignoring case and surrounding whitespace", (value, expected) => {
    expect(oneOfSetting("LOG_LEVEL", levels, "info", { LOG_LEVEL: value })).toBe(expected);
  });

  it.each([
    ["missing", {}],
    ["empty", { LOG_LEVEL: "" }],
    ["whitespace only", { LOG_LEVEL: " " }],
  ])("falls back when %s", (_label, env) => {
    expect(oneOfSetting("LOG_LEVEL", levels, "info", env)).toBe("info");
  });

  it("throws a SettingError listing the allowed values for anything else", () => {
    expect(() => oneOfSetting("LOG_LEVEL", levels, "info", { LOG_LEVEL: "verbose" })).toThrow(SettingError);
    expect(() => oneOfSetting("LOG_LEVEL", levels, "info", { LOG_LEVEL: "verbose" })).toThrow(
      'Setting LOG_LEVEL must be one of debug, info, warn, error, silent, got "verbose"',
    );
  });
});

describe("SettingError", () => {
  it("is an Error named SettingError", () => {
    const error = new SettingError("x");
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("SettingError");
  });
});
