import { XMLBuilder } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import type { ToBeTextResult } from "../../functions/domain/tobetext-result.ts";
import { tobetextResponse, unavailable } from "../../functions/http/tobetext-answer.ts";

/** The answer's body as it was made with fast-xml-parser's XMLBuilder: the reference, byte for byte. */
function bodyFromXmlBuilder(result: ToBeTextResult): string {
  const notXmlCharacters = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
  const printable = Object.fromEntries(
    Object.entries(result).map(([name, value]) => [
      name,
      typeof value === "string" ? value.replace(notXmlCharacters, "\uFFFD") : value,
    ]),
  );
  const xml = new XMLBuilder({ format: false, processEntities: true });
  return `<?xml version="1.0" encoding="UTF-8"?>${xml.build({ ToBeTextResult: printable })}`;
}

/** Every character up to U+02FF, lone and paired surrogates, the non-characters, Korean, emoji, and markup. */
function trickyValues(): string[] {
  const values = ["", " ", "010-1234-5678", "+821012341234", "수신 완료 😀", "Message successfully sent"];
  for (let code = 0; code <= 0x2ff; code++) values.push(String.fromCharCode(code), `a${String.fromCharCode(code)}b`);
  values.push("\uD800", "\uDC00", "\uD83D\uDE00", "\uDE00\uD83D", "\uFFFE", "\uFFFF", "\uFFFD", "\u2028", "\u0085");
  values.push("&amp;", "&lt;x&gt;", "<![CDATA[x]]>", "]]>", "<!-- c -->", "<?pi?>", "</ToBeTextResult>", "'\"'\"");
  values.push("a & b < c > d ' e \" f", "&&&<<<>>>", "#text", "@_attr", "?xml", "$1", "$&", "\\u0026");
  // Random mixes of the characters that are escaped, replaced, or neither.
  const alphabet = ["&", "<", ">", "'", '"', "a", "한", "\u0000", "\u001F", "\uFFFE", "\uD800", "😀", " ", "\n", "\r"];
  let seed = 20261204;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  for (let count = 0; count < 2_000; count++) {
    const length = Math.floor(random() * 24);
    values.push(Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join(""));
  }
  return values;
}

describe("tobetextResponse: the XML fast-xml-parser's XMLBuilder made", () => {
  it("is byte for byte the same for every tricky value in every field", () => {
    const differing: string[] = [];
    for (const value of trickyValues()) {
      const results: ToBeTextResult[] = [
        { Status: "Failed", MsgId: value, SendNum: value, RecvNum: value, ErrorCode: 2004, ErrorMsg: value },
        { Status: "Success", MsgId: "m", SendNum: "", RecvNum: value, ErrorCode: 200, ErrorMsg: `${value} received` },
      ];
      for (const result of results) {
        if (tobetextResponse(400, result).body !== bodyFromXmlBuilder(result)) differing.push(JSON.stringify(value));
      }
    }
    expect(differing).toEqual([]);
  });

  it("is the same for every code answered, and for the 503 answer", () => {
    for (const errorCode of [200, 405, 413, 503, 2001, 2004, 2005, 0]) {
      const result: ToBeTextResult = {
        Status: errorCode === 200 ? "Success" : "Failed",
        MsgId: "41aa33709703dea382c10a057823ffdc",
        SendNum: "01012345678",
        RecvNum: "821012345678",
        ErrorCode: errorCode,
        ErrorMsg: "x",
      };
      expect(tobetextResponse(errorCode === 0 ? 200 : errorCode, result).body).toBe(bodyFromXmlBuilder(result));
    }
    expect(unavailable("arrival-1").body).toBe(
      bodyFromXmlBuilder({
        Status: "Failed",
        MsgId: "arrival-1",
        SendNum: "",
        RecvNum: "",
        ErrorCode: 503,
        ErrorMsg: "Temporarily unable to accept the message; please send it again",
      }),
    );
  });

  it("keeps the fields in the result's order, escaped, and empty ones as an empty pair", () => {
    const response = tobetextResponse(200, {
      Status: "Success",
      MsgId: "m",
      SendNum: "",
      RecvNum: "<&'\">",
      ErrorCode: 200,
      ErrorMsg: "ok",
    });
    expect(response.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><ToBeTextResult><Status>Success</Status><MsgId>m</MsgId>' +
        "<SendNum></SendNum><RecvNum>&lt;&amp;&apos;&quot;&gt;</RecvNum><ErrorCode>200</ErrorCode>" +
        "<ErrorMsg>ok</ErrorMsg></ToBeTextResult>",
    );
  });
});
