import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { decodeRequestFields } from "../../../functions/http/decoding/index.ts";
import { formContentType, rawRequest } from "./requests.ts";

/** What Java's DataOutputStream.writeBytes sends: the low byte of each UTF-16 code unit. */
function javaWriteBytes(text: string): Buffer {
  return Buffer.from([...text].map((character) => character.charCodeAt(0) & 0xff));
}

function percentEncode(bytes: Buffer): string {
  return [...bytes].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, "0")}`).join("");
}

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
