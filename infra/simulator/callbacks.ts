/**
 * ToBeText's status callbacks, as the simulator posts them: form-urlencoded, each after its own
 * delay, retried with backoff when the receiver does not answer 200 (ToBeText "sends
 * periodically"). Every attempt is recorded. The URL carries the receiver's secret: it is kept
 * in memory for the caller and never logged.
 */

export interface CallbackAttempt {
  /** The full callback URL (its secret included): never print it; see redactedUrl. */
  url: string;
  fields: Record<string, string>;
  /** The receiver's HTTP status, or why there was none. */
  status: number | "timeout" | "error";
  /** 1 for the first post of this callback, 2 for its first retry, ... */
  attempt: number;
  at: string;
}

export interface PlannedCallback {
  url: string;
  fields: Record<string, string>;
  delayMs: number;
}

export interface CallbackRetry {
  /** Posts after the first one that fails; ToBeText does not say how many it makes. */
  retries: number;
  /** The first retry's delay, doubled for each further one. */
  firstDelayMs: number;
}

/** ToBeText does not say how long it waits for the receiver. */
const attemptTimeoutMs = 5_000;

export class CallbackPoster {
  readonly attempts: CallbackAttempt[] = [];
  #pending = 0;
  #stopped = false;
  #idleWaiters: Array<() => void> = [];
  /** What stop() calls to end each wait and abort each post in progress. */
  readonly #cancels = new Set<() => void>();

  readonly #retry: CallbackRetry;
  readonly #onAttempt: (attempt: CallbackAttempt) => void;

  constructor(retry: CallbackRetry, onAttempt: (attempt: CallbackAttempt) => void) {
    this.#retry = retry;
    this.#onAttempt = onAttempt;
  }

  /** Schedules the callbacks; resolves once each is acknowledged, given up or cancelled. */
  schedule(callbacks: PlannedCallback[]): Promise<void> {
    return Promise.all(callbacks.map((callback) => this.#deliver(callback))).then(() => undefined);
  }

  /** Resolves when no callback is pending. */
  idle(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Cancels every pending callback (those in flight are aborted, and not recorded). */
  stop(): void {
    this.#stopped = true;
    for (const cancel of this.#cancels) cancel();
  }

  async #deliver(callback: PlannedCallback): Promise<void> {
    this.#pending += 1;
    try {
      let delayMs = callback.delayMs;
      for (let attempt = 1; attempt <= this.#retry.retries + 1; attempt += 1) {
        if (!(await this.#sleep(delayMs))) return;
        const status = await this.#post(callback);
        if (this.#stopped) return;
        const record = { url: callback.url, fields: callback.fields, status, attempt, at: new Date().toISOString() };
        this.attempts.push(record);
        this.#onAttempt(record);
        if (status === 200) return;
        delayMs = this.#retry.firstDelayMs * 2 ** (attempt - 1);
      }
    } finally {
      this.#pending -= 1;
      if (this.#pending === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }

  /** Waits, unless stopped first: false then. */
  #sleep(ms: number): Promise<boolean> {
    if (this.#stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const cancel = () => {
        clearTimeout(timer);
        this.#cancels.delete(cancel);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.#cancels.delete(cancel);
        resolve(true);
      }, ms);
      this.#cancels.add(cancel);
    });
  }

  async #post(callback: PlannedCallback): Promise<CallbackAttempt["status"]> {
    const stop = new AbortController();
    const cancel = () => stop.abort();
    this.#cancels.add(cancel);
    const timeout = AbortSignal.timeout(attemptTimeoutMs);
    try {
      const response = await fetch(callback.url, {
        method: "POST",
        body: new URLSearchParams(callback.fields),
        signal: AbortSignal.any([stop.signal, timeout]),
      });
      await response.arrayBuffer();
      return response.status;
    } catch {
      return timeout.aborted ? "timeout" : "error";
    } finally {
      this.#cancels.delete(cancel);
    }
  }
}
