/**
 * CP949 (and EUC-KR, its subset), decoded strictly from iconv-lite's own CP949 table alone: the
 * rest of iconv-lite (every other code page, 480 KiB of a receive function's bundle) is never
 * loaded. Node's TextDecoder("euc-kr") lacks CP949's extra syllables (똠 is 8C 63), hence the table.
 */
import table from "iconv-lite/encodings/tables/cp949.json" with { type: "json" };

/** Two-byte code (lead << 8 | trail) → its character; built on first use, since most text is UTF-8. */
let characters: Map<number, string> | undefined;

/**
 * The text, or undefined when any byte sequence is no CP949 character. Bytes below 0x80 are ASCII;
 * every other character is a lead and a trail byte. The table maps no two codes to one character,
 * so a strict decode is also an exact round trip: the text encodes back to the very same bytes.
 */
export function decodeCp949Strictly(bytes: Buffer): string | undefined {
  characters ??= tableCharacters();
  let text = "";
  for (let index = 0; index < bytes.length; index++) {
    const lead = bytes[index] as number;
    if (lead < 0x80) {
      text += String.fromCharCode(lead);
      continue;
    }
    const trail = bytes[++index];
    const character = trail === undefined ? undefined : characters.get((lead << 8) | trail);
    if (character === undefined) return undefined;
    text += character;
  }
  return text;
}

/**
 * iconv-lite's table format: each row starts at a hex code; a string gives the characters of the
 * next codes, a number that many characters following the previous one.
 */
function tableCharacters(): Map<number, string> {
  const map = new Map<number, string>();
  for (const [start, ...parts] of table as [string, ...(string | number)[]][]) {
    let code = Number.parseInt(start, 16);
    let previous = 0;
    for (const part of parts) {
      const run =
        typeof part === "string" ? [...part].map((char) => char.codePointAt(0) as number) : sequence(previous, part);
      for (const codePoint of run) {
        if (code > 0xff) map.set(code, String.fromCodePoint(codePoint));
        code++;
        previous = codePoint;
      }
    }
  }
  return map;
}

const sequence = (after: number, length: number) => Array.from({ length }, (_, index) => after + index + 1);
