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

/** A body written out byte for byte: `\r\n` where CRLF is meant. */
const raw = (text: string) => Buffer.from(text, "latin1");
const decodeRaw = (text: string, contentType = "multipart/form-data; boundary=b") =>
  decodeRequestFields(rawRequest(raw(text), contentType));

describe("decodeRequestFields: multipart framing", () => {
  it("ignores a preamble and an epilogue, and keeps a value's bytes that only look like a delimiter", async () => {
    const decoded = await decodeRaw(
      "preamble --b\r\n--b\r\nContent-Disposition: form-data; name=Body\r\n\r\n" +
        "line 1\r\n--c\r\n-b --b\r\n--b\r\nContent-Disposition: form-data; name=Cid\r\n\r\nx--b\r\n--b--\r\nepilogue\r\n--b\r\n",
    );
    expect(decoded.fields).toEqual({ Body: "line 1\r\n--c\r\n-b --b", Cid: "x--b" });
  });

  it("accepts transport padding after a delimiter and a closing one without a CRLF", async () => {
    const decoded = await decodeRaw("--b \t\r\nContent-Disposition: form-data; name=Body\r\n\r\nhi\r\n--b--");
    expect(decoded.fields).toEqual({ Body: "hi" });
  });

  it.each([
    ["without any delimiter", "Body=hi"],
    ["ending after a value", "--b\r\nContent-Disposition: form-data; name=Body\r\n\r\nhi\r\n"],
    ["ending at a delimiter", "--b\r\nContent-Disposition: form-data; name=Body\r\n\r\nhi\r\n--b"],
    ["ending with half a closing delimiter", "--b\r\nContent-Disposition: form-data; name=Body\r\n\r\nhi\r\n--b-"],
    ["ending in the part headers", "--b\r\nContent-Disposition: form-data; name=Body\r\n"],
    [
      "with other bytes after the boundary",
      "--b\r\nContent-Disposition: form-data; name=A\r\n\r\n1\r\n--bb\r\n\r\n--b--",
    ],
    ["with a header line without a colon", "--b\r\nContent-Disposition form-data; name=A\r\n\r\n1\r\n--b--"],
    ["with a header name that is no token", "--b\r\nContent Disposition: form-data; name=A\r\n\r\n1\r\n--b--"],
    ["with a bare LF in a header", "--b\r\nContent-Disposition: form-data;\n name=A\r\n\r\n1\r\n--b--"],
    ["with a folded line first", "--b\r\n Content-Disposition: form-data; name=A\r\n\r\n1\r\n--b--"],
    ["with headers not ended by a blank line", "--b\r\nContent-Disposition: form-data; name=A\r\n--b--"],
    ["with an unterminated quoted name", '--b\r\nContent-Disposition: form-data; name="A\r\n\r\n1\r\n--b--'],
    ["with a quote ending in an escape", '--b\r\nContent-Disposition: form-data; name="A\\"\r\n\r\n1\r\n--b--'],
    ["with a parameter without a value", "--b\r\nContent-Disposition: form-data; name\r\n\r\n1\r\n--b--"],
    ["with bytes after a quoted name", '--b\r\nContent-Disposition: form-data; name="A"B\r\n\r\n1\r\n--b--'],
  ])("rejects a body %s", async (_case, body) => {
    await expect(decodeRaw(body)).rejects.toMatchObject(unreadableBody);
  });

  it("rejects an empty boundary", async () => {
    const body = "--\r\nContent-Disposition: form-data; name=A\r\n\r\n1\r\n----";
    await expect(decodeRaw(body, 'multipart/form-data; boundary=""')).rejects.toMatchObject(unreadableBody);
  });

  it("reads quoted, escaped, unquoted and folded parameters, in any case, the first of each", async () => {
    const decoded = await decodeRaw(
      [
        '--b\r\nContent-Disposition: form-data; name="a \\"q\\" \\\\ \\n; b"\r\n\r\n1',
        "--b\r\ncontent-disposition: FORM-DATA;NAME=plain ; name=second;\r\n\r\n2",
        '--b\r\nContent-Disposition: form-data;\r\n\tfilename="f.txt";\r\n name = "folded"\r\n\r\n3',
        "--b\r\nContent-Disposition: form-data; name*=utf-8''%ED%95%9C\r\n\r\n4",
        '--b\r\nContent-Disposition: form-data; name="\xed\x95\x9c"\r\n\r\n5',
        "--b--",
      ].join("\r\n"),
    );
    expect(decoded.fields).toEqual({ 'a "q" \\ \\n; b': "1", plain: "2", folded: "3", "": "4", 한: "5" });
  });

  it("skips parts that are no form field, and counts them among the 100", async () => {
    const decoded = await decodeRaw(
      [
        "--b\r\nContent-Disposition: attachment; name=A\r\n\r\n1",
        "--b\r\nContent-Type: text/plain\r\n\r\n2",
        "--b\r\n\r\n3",
        "--b\r\nContent-Disposition: form-data; name=D\r\n\r\n4",
        "--b--",
      ].join("\r\n"),
    );
    expect(decoded.fields).toEqual({ D: "4" });

    const skipped = "--b\r\nContent-Disposition: attachment; name=A\r\n\r\n1\r\n".repeat(100);
    await expect(
      decodeRaw(`${skipped}--b\r\nContent-Disposition: form-data; name=D\r\n\r\n4\r\n--b--`),
    ).rejects.toMatchObject(unreadableBody);
  });

  it("decodes a name and a value with the part's first Content-Type charset, quoted or not", async () => {
    const body = Buffer.concat([
      raw('--b\r\nContent-Disposition: form-data; name="'),
      iconv.encode("본문", "euc-kr"),
      raw('"\r\nContent-Type: text/plain; charset="EUC-KR"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'),
      iconv.encode("똠방각하", "cp949"),
      raw("\r\n--b--\r\n"),
    ]);
    const decoded = await decodeRequestFields(rawRequest(body, "multipart/form-data; boundary=b"));
    expect(decoded.fields).toEqual({ 본문: "똠방각하" });
    expect(decoded.charset).toBe("euc-kr");
  });

  it("accepts a value of 1 MiB and rejects one byte more", async () => {
    const withValue = (bytes: number) =>
      Buffer.concat([
        raw("--b\r\nContent-Disposition: form-data; name=Body\r\n\r\n"),
        Buffer.alloc(bytes, "x"),
        raw("\r\n--b--"),
      ]);
    const decoded = await decodeRequestFields(rawRequest(withValue(1024 * 1024), "multipart/form-data; boundary=b"));
    expect(decoded.fields.Body).toHaveLength(1024 * 1024);
    await expect(
      decodeRequestFields(rawRequest(withValue(1024 * 1024 + 1), "multipart/form-data; boundary=b")),
    ).rejects.toMatchObject(unreadableBody);
  });
});
