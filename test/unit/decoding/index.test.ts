import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { resultCodes } from "../../../functions/domain/tobetext-result.ts";
import { decodeRequestFields, type RawRequest } from "../../../functions/http/decoding/index.ts";

const formContentType = "application/x-www-form-urlencoded";

/** How a body that cannot be read is refused: 400 with ToBeText's code 2005. */
const unreadableBody = { name: "ToBeTextHttpError", statusCode: 400, errorCode: resultCodes.badBody };
/** How a media type ToBeText does not send is refused: 415, same code. */
const unsupportedMediaType = { name: "ToBeTextHttpError", statusCode: 415, errorCode: resultCodes.badBody };
const phpBoundary = "------------------------abc123";

function rawRequest(body: Buffer | string, contentType?: string, rawQueryString = ""): RawRequest {
  return { contentType, body: typeof body === "string" ? Buffer.from(body, "utf8") : body, rawQueryString };
}

/** What Java's DataOutputStream.writeBytes sends: the low byte of each UTF-16 code unit. */
function javaWriteBytes(text: string): Buffer {
  return Buffer.from([...text].map((character) => character.charCodeAt(0) & 0xff));
}

function percentEncode(bytes: Buffer): string {
  return [...bytes].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, "0")}`).join("");
}

interface Part {
  name: string;
  value: Buffer | string;
  /** Extra part headers after Content-Disposition, e.g. a part Content-Type. */
  headers?: string[];
  filename?: string;
}

/** Framed the way PHP's curl frames an array POSTFIELDS. */
function multipartBody(parts: Part[], boundary = phpBoundary): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `Content-Disposition: form-data; name="${part.name}"${part.filename ? `; filename="${part.filename}"` : ""}`;
    const headerLines = [`--${boundary}`, disposition, ...(part.headers ?? [])];
    chunks.push(Buffer.from(`${headerLines.join("\r\n")}\r\n\r\n`, "latin1"));
    chunks.push(typeof part.value === "string" ? Buffer.from(part.value, "utf8") : part.value);
    chunks.push(Buffer.from("\r\n", "latin1"));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, "latin1"));
  return Buffer.concat(chunks);
}

const multipartContentType = `multipart/form-data; boundary=${phpBoundary}`;

describe("decodeRequestFields: form-urlencoded", () => {
  it("reads curl's form, raw UTF-8 bytes without percent-encoding", async () => {
    const body = Buffer.from("RecvNum=821012345678&SendNum=01012345678&Body=TOBE 안녕하세요", "utf8");
    const decoded = await decodeRequestFields(rawRequest(body, formContentType));
    expect(decoded).toEqual({
      fields: { RecvNum: "821012345678", SendNum: "01012345678", Body: "TOBE 안녕하세요" },
      undecodable: {},
      format: "form-urlencoded",
      charset: "utf-8",
    });
  });

  it("reads Java's writeBytes form exactly when the text is ASCII", async () => {
    const body = javaWriteBytes("RecvNum=821012345678&SendNum=01012345678&Body=TOBE hello");
    const decoded = await decodeRequestFields(rawRequest(body, formContentType));
    expect(decoded.fields).toEqual({ RecvNum: "821012345678", SendNum: "01012345678", Body: "TOBE hello" });
    expect(decoded.charset).toBe("ascii");
  });

  it("keeps the bytes of Java's writeBytes form when the sender mangled Korean text", async () => {
    const body = javaWriteBytes("RecvNum=821012345678&SendNum=01012345678&Body=TOBE 안녕하세요");
    const mangledBody = javaWriteBytes("TOBE 안녕하세요");
    const decoded = await decodeRequestFields(rawRequest(body, formContentType));
    expect(decoded.fields.RecvNum).toBe("821012345678");
    expect(decoded.fields.SendNum).toBe("01012345678");
    expect(decoded.fields.Body).toBe(mangledBody.toString("latin1"));
    expect(decoded.fields.Body).not.toContain("\uFFFD");
    expect(decoded.undecodable).toEqual({ Body: mangledBody.toString("base64") });
  });

  it("sniffs a form sent with no Content-Type or as text/plain", async () => {
    const body = "RecvNum=821012345678&SendNum=01012345678&Body=TOBE 안녕";
    for (const contentType of [undefined, "text/plain", "text/plain; charset=UTF-8"]) {
      const decoded = await decodeRequestFields(rawRequest(body, contentType));
      expect(decoded.format).toBe("form-urlencoded");
      expect(decoded.fields).toEqual({ RecvNum: "821012345678", SendNum: "01012345678", Body: "TOBE 안녕" });
    }
  });

  it("decodes percent-encoded UTF-8 and + as a space", async () => {
    const decoded = await decodeRequestFields(
      rawRequest("Body=%ED%95%9C%EA%B8%80&Note=TOBE+hello+world", formContentType),
    );
    expect(decoded.fields).toEqual({ Body: "한글", Note: "TOBE hello world" });
    expect(decoded.charset).toBe("utf-8");
  });

  it("keeps a malformed % sequence literally", async () => {
    const decoded = await decodeRequestFields(rawRequest("Body=100%&Rate=5%2&Odd=%zz%41", formContentType));
    expect(decoded.fields).toEqual({ Body: "100%", Rate: "5%2", Odd: "%zzA" });
  });

  it("detects raw EUC-KR bytes as cp949 when no charset is declared", async () => {
    const body = Buffer.concat([Buffer.from("SendNum=01012345678&Body="), iconv.encode("안녕하세요", "euc-kr")]);
    const decoded = await decodeRequestFields(rawRequest(body, formContentType));
    expect(decoded.fields).toEqual({ SendNum: "01012345678", Body: "안녕하세요" });
    expect(decoded.charset).toBe("cp949");
    expect(decoded.undecodable).toEqual({});
  });

  it("reports euc-kr when the Content-Type declares it", async () => {
    const body = Buffer.concat([Buffer.from("Body="), iconv.encode("안녕하세요", "euc-kr")]);
    const decoded = await decodeRequestFields(rawRequest(body, "application/x-www-form-urlencoded; charset=EUC-KR"));
    expect(decoded.fields).toEqual({ Body: "안녕하세요" });
    expect(decoded.charset).toBe("euc-kr");
  });

  it("decodes percent-encoded EUC-KR", async () => {
    const body = `Body=${percentEncode(iconv.encode("안녕하세요", "euc-kr"))}`;
    const decoded = await decodeRequestFields(rawRequest(body, formContentType));
    expect(decoded.fields).toEqual({ Body: "안녕하세요" });
    expect(decoded.charset).toBe("cp949");
  });

  it("falls back to detection when the declared charset does not fit the bytes", async () => {
    const decoded = await decodeRequestFields(
      rawRequest("Body=TOBE 안녕하세요", "application/x-www-form-urlencoded; charset=euc-kr"),
    );
    expect(decoded.fields).toEqual({ Body: "TOBE 안녕하세요" });
    expect(decoded.charset).toBe("utf-8");
  });

  it("decodes the CP949-only syllable 똠 (8C 63), raw and percent-encoded", async () => {
    const raw = Buffer.concat([Buffer.from("Body="), Buffer.from([0x8c, 0x63])]);
    const fromRaw = await decodeRequestFields(rawRequest(raw, formContentType));
    const fromPercent = await decodeRequestFields(rawRequest("Body=%8Cc", formContentType));
    for (const decoded of [fromRaw, fromPercent]) {
      expect(decoded.fields).toEqual({ Body: "똠" });
      expect(decoded.charset).toBe("cp949");
    }
  });

  it("keeps an emoji beyond U+FFFF, raw and percent-encoded", async () => {
    const raw = await decodeRequestFields(rawRequest("Body=TOBE 좋아요 😀", formContentType));
    const percent = await decodeRequestFields(rawRequest("Body=%F0%9F%98%80", formContentType));
    expect(raw.fields).toEqual({ Body: "TOBE 좋아요 😀" });
    expect(percent.fields).toEqual({ Body: "😀" });
  });

  it("keeps a long LMS text intact", async () => {
    const text = `${"가나다라마바사아자차".repeat(66)}가나다라마바ab`; // 666 syllables × 3 bytes + 2
    const utf8Bytes = Buffer.from(text, "utf8");
    expect(utf8Bytes.length).toBe(2000);
    const percent = await decodeRequestFields(rawRequest(`Body=${percentEncode(utf8Bytes)}`, formContentType));
    expect(percent.fields.Body).toBe(text);

    const eucKrText = "가나다라마바사아자차".repeat(100);
    const eucKrBytes = iconv.encode(eucKrText, "euc-kr");
    expect(eucKrBytes.length).toBe(2000);
    const raw = await decodeRequestFields(
      rawRequest(Buffer.concat([Buffer.from("Body="), eucKrBytes]), formContentType),
    );
    expect(raw.fields.Body).toBe(eucKrText);
    expect(raw.charset).toBe("cp949");
  });

  it("keeps undecodable bytes as base64 and never produces U+FFFD", async () => {
    const decoded = await decodeRequestFields(rawRequest("SendNum=01012345678&Body=%FF%FE%80", formContentType));
    expect(decoded.undecodable).toEqual({ Body: Buffer.from([0xff, 0xfe, 0x80]).toString("base64") });
    expect(decoded.fields.Body).toBe("\u00ff\u00fe\u0080");
    expect(decoded.fields.Body).not.toContain("\uFFFD");
    expect(decoded.fields.SendNum).toBe("01012345678");
    expect(decoded.charset).toBe("ascii");
  });

  it("keeps a leading UTF-8 byte order mark in a value", async () => {
    const decoded = await decodeRequestFields(rawRequest("Body=%EF%BB%BFhi", formContentType));
    expect(decoded.fields.Body).toBe("\uFEFFhi");
  });

  it("lets the first occurrence of a name win and keeps names without =", async () => {
    const decoded = await decodeRequestFields(rawRequest("Body=first&Body=second&&flag", formContentType));
    expect(decoded.fields).toEqual({ Body: "first", flag: "" });
  });

  it("reports the charset used by most non-ASCII fields", async () => {
    const eucKr = percentEncode(iconv.encode("안녕", "euc-kr"));
    const decoded = await decodeRequestFields(rawRequest(`A=${eucKr}&B=${eucKr}&C=%ED%95%9C&D=plain`, formContentType));
    expect(decoded.fields).toEqual({ A: "안녕", B: "안녕", C: "한", D: "plain" });
    expect(decoded.charset).toBe("cp949");
  });
});

describe("decodeRequestFields: multipart", () => {
  it("reads PHP curl's multipart form with all seven fields", async () => {
    const fields = {
      Ckey: "41aa33709703dea382c10a057823ffdc",
      RecvNum: "821012345678",
      SendNum: "01012345678",
      Body: "TOBE 안녕하세요, 반갑습니다",
      Cid: "customer-01",
      token: "t0k3n",
      callback: "http://yourdomain.com/recv/",
    };
    const body = multipartBody(Object.entries(fields).map(([name, value]) => ({ name, value })));
    const decoded = await decodeRequestFields(rawRequest(body, multipartContentType));
    expect(decoded).toEqual({ fields, undecodable: {}, format: "multipart", charset: "utf-8" });
  });

  it("detects EUC-KR and keeps undecodable bytes in multipart values", async () => {
    const body = multipartBody([
      { name: "Body", value: iconv.encode("안녕하세요", "euc-kr") },
      { name: "Junk", value: Buffer.from([0xff, 0xfe, 0x80]) },
    ]);
    const decoded = await decodeRequestFields(rawRequest(body, multipartContentType));
    expect(decoded.fields).toEqual({ Body: "안녕하세요", Junk: "\u00ff\u00fe\u0080" });
    expect(decoded.undecodable).toEqual({ Junk: Buffer.from([0xff, 0xfe, 0x80]).toString("base64") });
    expect(decoded.charset).toBe("cp949");
  });

  it("honours a part's own charset, which busboy alone would lose", async () => {
    const body = multipartBody([
      { name: "SendNum", value: "01012345678" },
      { name: "Body", value: iconv.encode("똠 안녕", "cp949"), headers: ["Content-Type: text/plain; charset=euc-kr"] },
      { name: "Note", value: Buffer.from([0xff, 0x41]), headers: ["Content-Type: text/plain; charset=utf-8"] },
    ]);
    const decoded = await decodeRequestFields(rawRequest(body, multipartContentType));
    expect(decoded.fields).toEqual({ SendNum: "01012345678", Body: "똠 안녕", Note: "\u00ffA" });
    expect(decoded.undecodable).toEqual({ Note: Buffer.from([0xff, 0x41]).toString("base64") });
    expect(decoded.charset).toBe("euc-kr");
  });

  it("keeps a file part's content as a text field", async () => {
    const body = multipartBody([
      { name: "SendNum", value: "01012345678" },
      { name: "Body", value: "TOBE 파일 😀", filename: "body.txt", headers: ["Content-Type: text/plain"] },
    ]);
    const decoded = await decodeRequestFields(rawRequest(body, multipartContentType));
    expect(decoded.fields).toEqual({ SendNum: "01012345678", Body: "TOBE 파일 😀" });
  });

  it("accepts a quoted boundary and a differently cased media type", async () => {
    const body = multipartBody([{ name: "Body", value: "안녕" }], "simple-boundary");
    const decoded = await decodeRequestFields(rawRequest(body, 'Multipart/Form-Data; boundary="simple-boundary"'));
    expect(decoded.fields).toEqual({ Body: "안녕" });
  });

  it("rejects a truncated multipart body", async () => {
    const body = multipartBody([
      { name: "SendNum", value: "01012345678" },
      { name: "Body", value: "TOBE 안녕하세요" },
    ]);
    const truncated = body.subarray(0, body.length - 40);
    await expect(decodeRequestFields(rawRequest(truncated, multipartContentType))).rejects.toMatchObject(
      unreadableBody,
    );
  });

  it("rejects multipart without a boundary", async () => {
    const body = multipartBody([{ name: "Body", value: "hi" }]);
    await expect(decodeRequestFields(rawRequest(body, "multipart/form-data"))).rejects.toMatchObject(unreadableBody);
  });

  it("accepts 100 parts and rejects 101", async () => {
    const parts = (count: number) =>
      multipartBody(Array.from({ length: count }, (_, index) => ({ name: `f${index}`, value: "x" })));
    const hundred = await decodeRequestFields(rawRequest(parts(100), multipartContentType));
    expect(Object.keys(hundred.fields)).toHaveLength(100);
    await expect(decodeRequestFields(rawRequest(parts(101), multipartContentType))).rejects.toMatchObject(
      unreadableBody,
    );
  });
});

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
