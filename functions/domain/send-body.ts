import { sendLimits } from "../contract.ts";

/**
 * ToBeText's Body rule: at most 160 bytes, which it states as 160 characters of English, or 80
 * characters when any other character is present. Characters are counted as code points. Returns
 * what is wrong in words naming the field, or undefined when ToBeText takes it.
 */
export function bodyProblem(text: string): string | undefined {
  if (text.length === 0) return "Body is empty";
  const characters = [...text].length;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII is exactly U+0000..U+007F.
  const ascii = /^[\u0000-\u007f]*$/.test(text);
  const limit = ascii ? sendLimits.maxAsciiCharacters : sendLimits.maxOtherCharacters;
  if (characters <= limit) return undefined;
  return ascii
    ? `Body has ${characters} characters; ToBeText takes at most ${limit}`
    : `Body has ${characters} characters; ToBeText takes at most ${limit} when any is not ASCII`;
}
