import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { decodeRequestFields } from "../../../functions/http/decoding/index.ts";
import { rawRequest, unreadableBody } from "./requests.ts";

const phpBoundary = "------------------------abc123";

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
