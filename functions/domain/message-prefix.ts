/** A Body split into the Prefix the customer bought from ToBeText and the text of the SMS. */
export interface SplitBody {
  /** The configured prefix, as configured; "" when none matched. */
  prefix: string;
  text: string;
}

/**
 * Splits Body into prefix and text: the longest configured prefix that starts Body, compared
 * case-insensitively, with the whitespace separating it from the text dropped. A Body that starts
 * with no known prefix is kept whole as the text, with an empty prefix.
 */
export function splitBody(body: string, prefixes: readonly string[]): SplitBody {
  const longestFirst = [...prefixes].sort((a, b) => b.length - a.length);
  const match = longestFirst.find(
    (prefix) => prefix.length > 0 && body.slice(0, prefix.length).toUpperCase() === prefix.toUpperCase(),
  );
  if (match === undefined) return { prefix: "", text: body };
  return { prefix: match, text: body.slice(match.length).replace(/^\s+/, "") };
}
