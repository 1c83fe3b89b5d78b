/**
 * ToBeText's result codes and the `<ToBeTextResult>` answer, as its document defines them.
 * Codes 2004 and 2005 are the provider's own; answers for failures the document does not
 * cover (wrong method, body too large, temporarily unavailable) carry the HTTP status as code.
 */
export const resultCodes = {
  success: 200,
  /** The document's "bad CKey"; answered when a status callback names no message at all. */
  badCKey: 2001,
  badPhoneNumber: 2004,
  badBody: 2005,
} as const;

export interface ToBeTextResult {
  Status: "Success" | "Failed";
  MsgId: string;
  SendNum: string;
  RecvNum: string;
  ErrorCode: number;
  ErrorMsg: string;
}
