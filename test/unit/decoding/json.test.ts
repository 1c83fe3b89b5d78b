import { describe, expect, it } from "vitest";
import { decodeRequestFields } from "../../../functions/http/decoding/index.ts";
import { rawRequest, unreadableBody } from "./requests.ts";

describe("decodeRequestFields: JSON", () => {
  it("reads an object of scalars, Korean text and a number", async () => {
    const body = JSON.stringify({
      CKey: "abc",
      Status: "Success",
      ErrorCode: 200,
      Delivered: true,
      ErrorMsg: null,
      Body: "안녕하세요 😀",
      Extra: { a: [1, 2] },
    });
    const decoded = await decodeRequestFields(rawRequest(`\uFEFF${body}`, "application/json; charset=utf-8"));
    expect(decoded).toEqual({
      fields: {
        CKey: "abc",
        Status: "Success",
        ErrorCode: "200",
        Delivered: "true",
        ErrorMsg: "",
        Body: "안녕하세요 😀",
        Extra: '{"a":[1,2]}',
      },
      undecodable: {},
      format: "json",
      charset: "utf-8",
    });
  });

  it("accepts application/*+json", async () => {
    const decoded = await decodeRequestFields(rawRequest('{"a":"b"}', "application/vnd.tobetext+json"));
    expect(decoded.fields).toEqual({ a: "b" });
    expect(decoded.charset).toBe("ascii");
  });

  it("rejects invalid JSON, a non-object and non-UTF-8 bytes", async () => {
    for (const body of [
      '{"Body": ',
      "[1,2]",
      "42",
      Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0x22, 0x7d])]),
    ]) {
      await expect(decodeRequestFields(rawRequest(body, "application/json"))).rejects.toMatchObject(unreadableBody);
    }
  });
});

describe("decodeRequestFields: JSON nesting", () => {
  const nested = (depth: number) => `{"Body":"hi","Extra":${"[".repeat(depth - 1)}${"]".repeat(depth - 1)}}`;

  it("keeps a nested value 32 levels deep as its JSON text", async () => {
    const decoded = await decodeRequestFields(rawRequest(nested(32), "application/json"));
    expect(decoded.fields.Extra).toBe(`${"[".repeat(31)}${"]".repeat(31)}`);
  });

  it.each([33, 5000, 200_000])("refuses JSON nested %i levels deep as unreadable, never overflowing", async (depth) => {
    await expect(decodeRequestFields(rawRequest(nested(depth), "application/json"))).rejects.toThrow(
      "JSON body nests deeper than 32 levels",
    );
  });
});
