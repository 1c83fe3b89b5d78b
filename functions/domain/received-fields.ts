/** The fields of one received request, decoded (see http/decoding/). */
export interface ReceivedFields {
  /** Every field received, name as sent. */
  fields: Record<string, string>;
  /** Fields whose bytes decode as nothing: name → base64 of the bytes received. */
  undecodable: Record<string, string>;
  charset: string;
  format: string;
}

/** Why a request cannot be accepted, in ToBeText's terms. */
export interface Rejection {
  errorCode: number;
  reason: string;
}

export type Acceptance<T> = { accepted: true; value: T } | { accepted: false; rejection: Rejection };

export const rejected = <T>(errorCode: number, reason: string): Acceptance<T> => ({
  accepted: false,
  rejection: { errorCode, reason },
});

/** ToBeText spells one field `CKey` and `Ckey`: names are matched ignoring case. */
export function fieldIgnoringCase(fields: Record<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const key = Object.keys(fields).find((candidate) => candidate.toLowerCase() === wanted);
  return key === undefined ? undefined : fields[key];
}
