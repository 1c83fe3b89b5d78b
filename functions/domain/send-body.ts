import { sendLimits } from "../contract.ts";

const ascii = /^\p{ASCII}*$/u;

/**
 * Why ToBeText would refuse `text` as a send request's Body (its code 2005), or undefined when it
 * takes it. ToBeText's rule is "at most 160 bytes": 160 characters when all are ASCII, 80 when any
 * is not. Characters are counted as code points, so an emoji is one character, not two.
 */
export function bodyProblem(text: string): string | undefined {
  if (text === "") return "Body is empty";
  const characters = [...text].length;
  if (ascii.test(text)) {
    if (characters > sendLimits.maxAsciiCharacters)
      return `Body has ${characters} characters; ToBeText takes at most ${sendLimits.maxAsciiCharacters} when all are ASCII`;
  } else if (characters > sendLimits.maxOtherCharacters) {
    return `Body has ${characters} characters; ToBeText takes at most ${sendLimits.maxOtherCharacters} when any is not ASCII`;
  }
  return undefined;
}
