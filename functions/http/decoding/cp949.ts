/**
 * CP949 (and EUC-KR, its subset), decoded strictly, with no table in the bundle. CP949 is KS X 1001
 * (EUC-KR), which Node's TextDecoder("euc-kr") decodes, plus what it lacks: € and ® (A2E6, A2E7) and
 * the 8,822 Hangul syllables KS X 1001 has no code for (똠 is 8C 63), which CP949 places in Unicode
 * order in the codes EUC-KR leaves free, so they are computed here. iconv-lite's CP949 table (67 KiB
 * of a receive function's bundle when it was imported) is the reference: test/unit/decoding/cp949.test.ts
 * compares every two-byte code with it.
 */

/** Two-byte code (lead << 8 | trail) → its character; built on first use, since most text is UTF-8. */
let characters: Map<number, string> | undefined;

/**
 * The text, or undefined when any byte sequence is no CP949 character. Bytes below 0x80 are ASCII;
 * every other character is a lead and a trail byte. CP949 maps no two codes to one character,
 * so a strict decode is also an exact round trip: the text encodes back to the very same bytes.
 */
export function decodeCp949Strictly(bytes: Buffer): string | undefined {
  characters ??= cp949Characters();
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

/** KS X 1001's rows: lead and trail bytes A1 to FE, but for rows C9 and FE, left to users (CP949 leaves them empty). */
const ksRows = { first: 0xa1, last: 0xfd, userDefined: 0xc9 };
const ksTrails = { first: 0xa1, count: 94 };

/** How many two-byte codes CP949 assigns: KS X 1001's 8,224, € and ®, and 8,822 syllables. */
const cp949Codes = 17_048;

/**
 * Every CP949 code and its character. TextDecoder("euc-kr") is ICU's in Node (official builds
 * carry full ICU); should a runtime decode KS X 1001 otherwise, the count differs and this throws
 * (the request is answered 503 and retried) rather than decode a single byte differently.
 */
export function cp949Characters(): Map<number, string> {
  const map = new Map<number, string>();
  // A row at a time: each of its 94 codes decodes to one BMP character, U+FFFD where KS X 1001 has none.
  const eucKr = new TextDecoder("euc-kr");
  const row = new Uint8Array(ksTrails.count * 2);
  for (let lead = ksRows.first; lead <= ksRows.last; lead++) {
    if (lead === ksRows.userDefined) continue;
    for (let index = 0; index < ksTrails.count; index++) row.set([lead, ksTrails.first + index], index * 2);
    const decoded = eucKr.decode(row);
    if (decoded.length !== ksTrails.count) throw new Error(`TextDecoder("euc-kr") misread KS X 1001 row ${lead}`);
    for (let index = 0; index < ksTrails.count; index++) {
      const character = decoded.charAt(index);
      if (character !== "\uFFFD") map.set((lead << 8) | (ksTrails.first + index), character);
    }
  }
  map.set(0xa2e6, "€");
  map.set(0xa2e7, "®");
  addExtensionSyllables(map);
  if (map.size !== cp949Codes) throw new Error(`CP949 built with ${map.size} codes, not ${cp949Codes}`);
  return map;
}

const hangulSyllables = { first: 0xac00, last: 0xd7a3 };

/**
 * The syllables KS X 1001 has no code for, in Unicode order, on CP949's extension codes, in order:
 * leads 81 to A0 with trails 41–5A, 61–7A and 81–FE, then leads A1 to C6 with trails 41–5A, 61–7A
 * and 81–A0 (from A1 up, KS X 1001's own trails follow). The last is C6 52.
 */
function addExtensionSyllables(map: Map<number, string>): void {
  const inKsX1001 = new Set<number>();
  for (const character of map.values()) inKsX1001.add(character.charCodeAt(0));
  let syllable = hangulSyllables.first;
  for (let lead = 0x81; lead <= 0xc6; lead++) {
    const lastTrail = lead <= 0xa0 ? 0xfe : 0xa0;
    for (let trail = 0x41; trail <= lastTrail; trail++) {
      if ((trail > 0x5a && trail < 0x61) || (trail > 0x7a && trail < 0x81)) continue;
      while (inKsX1001.has(syllable)) syllable++;
      if (syllable > hangulSyllables.last) return;
      map.set((lead << 8) | trail, String.fromCharCode(syllable++));
    }
  }
  throw new Error("CP949 extension codes ran out before the Hangul syllables");
}
