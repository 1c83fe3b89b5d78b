import { describe, expect, it } from "vitest";
import { splitBody } from "../../functions/domain/message-prefix.ts";

const prefixes = ["TOBE", "TOBETEXT"];

describe("splitBody", () => {
  it.each([
    ["the longer of two matching prefixes", "TOBETEXT hello", ["TOBE", "TOBETEXT"]],
    ["the longer prefix whatever the configured order", "TOBETEXT hello", ["TOBETEXT", "TOBE"]],
  ])("picks %s", (_label, body, configured) => {
    expect(splitBody(body, configured)).toEqual({ prefix: "TOBETEXT", text: "hello" });
  });

  it("falls back to the shorter prefix when the longer one does not match", () => {
    expect(splitBody("TOBE hello", prefixes)).toEqual({ prefix: "TOBE", text: "hello" });
  });

  it.each([
    ["tobetext hello", "TOBETEXT"],
    ["ToBeText hello", "TOBETEXT"],
    ["tobe hello", "TOBE"],
  ])("matches %j case-insensitively and reports %s as configured", (body, prefix) => {
    expect(splitBody(body, prefixes)).toEqual({ prefix, text: "hello" });
  });

  it("reports a mixed-case configured prefix exactly as configured", () => {
    expect(splitBody("TOBETEXT hello", ["ToBeText"])).toEqual({ prefix: "ToBeText", text: "hello" });
  });

  it.each([
    ["one space", "TOBE hello"],
    ["several spaces", "TOBE   hello"],
    ["a tab", "TOBE\thello"],
    ["a newline", "TOBE\nhello"],
    ["CRLF", "TOBE\r\nhello"],
    ["mixed whitespace", "TOBE \t\n hello"],
    ["no separator at all", "TOBEhello"],
  ])("drops the separating whitespace: %s", (_label, body) => {
    expect(splitBody(body, ["TOBE"])).toEqual({ prefix: "TOBE", text: "hello" });
  });

  it("keeps whitespace inside and at the end of the text", () => {
    expect(splitBody("TOBE hello  world \n", ["TOBE"])).toEqual({ prefix: "TOBE", text: "hello  world \n" });
  });

  it("keeps the whole body as text, with an empty prefix, when no prefix matches", () => {
    expect(splitBody("HELLO TOBE there", prefixes)).toEqual({ prefix: "", text: "HELLO TOBE there" });
  });

  it("keeps the whole body as text when no prefix is configured", () => {
    expect(splitBody("TOBE hello", [])).toEqual({ prefix: "", text: "TOBE hello" });
  });

  it("ignores an empty configured prefix", () => {
    expect(splitBody("hello", [""])).toEqual({ prefix: "", text: "hello" });
  });

  it.each([
    ["TOBE", "TOBE"],
    ["tobetext", "TOBETEXT"],
  ])("gives empty text when the body %j is only the prefix", (body, prefix) => {
    expect(splitBody(body, prefixes)).toEqual({ prefix, text: "" });
  });

  it("gives empty text when the prefix is followed only by whitespace", () => {
    expect(splitBody("TOBE \n", prefixes)).toEqual({ prefix: "TOBE", text: "" });
  });

  it("splits a Korean prefix from Korean text", () => {
    expect(splitBody("투비 안녕하세요", ["투비", "TOBE"])).toEqual({ prefix: "투비", text: "안녕하세요" });
  });

  it("does not modify the configured list", () => {
    const configured = ["TOBE", "TOBETEXT"];
    splitBody("TOBETEXT hi", configured);
    expect(configured).toEqual(["TOBE", "TOBETEXT"]);
  });
});
