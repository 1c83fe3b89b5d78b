/**
 * What every part of the bench shares: where it writes its figures (`--json FILE`, as `run.ts`
 * asks; else printed), and a progress line on stderr.
 */
import { writeFileSync } from "node:fs";

export function finish(part: string, figures: unknown): void {
  const at = process.argv.indexOf("--json");
  const file = at >= 0 ? process.argv[at + 1] : undefined;
  if (file) {
    writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
    progress(`${part}: done`);
  } else {
    console.log(JSON.stringify(figures, null, 2));
  }
}

// Bound now, before a part captures what the functions write.
const writeStderr = process.stderr.write.bind(process.stderr);
const started = performance.now();

export function progress(message: string): void {
  writeStderr(`bench: ${message} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
}

/** The median of some numbers (the lower middle one for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The inbound SMS the bench sends: a short Korean SMS, form-urlencoded with raw UTF-8 as curl -d sends it. */
export const smsBody = (index: number) =>
  `RecvNum=821012341234&SendNum=0107${String(index).padStart(7, "0")}&Body=TOBE 벤치마크 메시지 ${index}`;

/** A status callback as ToBeText posts it for a sent SMS (its MsgId: 32 hex digits). */
export const callbackBody = (index: number) =>
  `CKey=order-${index}&Status=Success&MsgId=${String(index).padStart(32, "0")}&ErrorCode=200&ErrorMsg=Message successfully sent`;

export const formHeaders = { "content-type": "application/x-www-form-urlencoded" };
