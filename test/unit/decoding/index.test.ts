import { describe, expect, it } from "vitest";
import { decodeRequestFields } from "../../../functions/http/decoding/index.ts";
import { formContentType, rawRequest, unreadableBody, unsupportedMediaType } from "./requests.ts";

describe("decodeRequestFields: query string and empty bodies", () => {
  it("reads fields from the query string alone", async () => {
    const decoded = await decodeRequestFields(
      rawRequest(Buffer.alloc(0), undefined, "RecvNum=821012345678&Body=%ED%95%9C+%EA%B8%80"),
    );
    expect(decoded).toEqual({
      fields: { RecvNum: "821012345678", Body: "한 글" },
      undecodable: {},
      format: "query-only",
      charset: "utf-8",
    });
  });

  it("lets a body field win over a query field of the same name", async () => {
    const decoded = await decodeRequestFields(rawRequest("Body=from+body", formContentType, "Body=from+query&Cid=7"));
    expect(decoded.fields).toEqual({ Body: "from body", Cid: "7" });
    expect(decoded.format).toBe("form-urlencoded");
  });

  it("answers empty for no body and no query", async () => {
    const decoded = await decodeRequestFields(rawRequest(Buffer.alloc(0), "application/xml"));
    expect(decoded).toEqual({ fields: {}, undecodable: {}, format: "empty", charset: "ascii" });
  });
});

describe("decodeRequestFields: unreadable requests", () => {
  it("rejects an unsupported content type", async () => {
    for (const contentType of ["application/xml", "image/png"]) {
      const rejection = decodeRequestFields(rawRequest("<a>SendNum=1</a>", contentType));
      await expect(rejection).rejects.toMatchObject(unsupportedMediaType);
      await expect(rejection).rejects.toThrow(/unsupported content type/);
    }
  });

  it("rejects a body without Content-Type (or text/plain) that is not a form as unreadable, not unsupported", async () => {
    for (const [body, contentType] of [
      ["just some text", undefined],
      ['{"a":"b=c"}', undefined],
      ["just some text", "text/plain"],
    ] as const) {
      const error = await decodeRequestFields(rawRequest(body, contentType)).catch((caught: unknown) => caught);
      expect(error).toMatchObject(unreadableBody);
    }
  });

  it("names the error without quoting the body", async () => {
    const error = await decodeRequestFields(rawRequest('{"Body": "secret', "application/json")).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject(unreadableBody);
    expect((error as Error).message).not.toContain("secret");
  });
});
