/** A later task of the event loop, where rendering, input and other sockets get in first. */
export type NextTask = (run: () => void) => void;

/**
 * `setImmediate` where there is one (Node); else a MessageChannel message, which browsers run as
 * a task of its own without the 4 ms clamp that nested `setTimeout(0)` gets. Read at call time,
 * so fake timers installed later apply.
 */
export const nextTask: NextTask = (run) => {
  if (typeof globalThis.setImmediate === 'function') {
    globalThis.setImmediate(run);
    return;
  }
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    channel.port1.close();
    run();
  };
  channel.port2.postMessage(undefined);
};

/**
 * Frame characters handled in one task before the rest wait for the next: about two default
 * snapshot parts (1,000 entries of ~200 B), a few milliseconds of parsing and buffering.
 */
export const FRAME_BUDGET_CHARS = 256 * 1024;

/**
 * Hands received frames to the router in order, at most about `budget` characters of them per
 * task of the event loop. A browser may dispatch many WebSocket messages in one task (all that
 * its network pipe holds), and a big snapshot is hundreds of parts: handled as they come, they
 * would make one long task that freezes the page. Over the budget, frames wait in a queue that
 * is drained a budget per task. Under it (live deltas on a quiet socket), a frame is handled at
 * once, so deltas pay no extra latency.
 */
export class FramePump {
  readonly #handle: (text: string) => void;
  readonly #nextTask: NextTask;
  readonly #budget: number;
  #queue: string[] = [];
  #head = 0;
  /** Characters handled in the current task. */
  #spent = 0;
  #scheduled = false;

  constructor(
    handle: (text: string) => void,
    options: { readonly nextTask?: NextTask; readonly budget?: number } = {},
  ) {
    this.#handle = handle;
    this.#nextTask = options.nextTask ?? nextTask;
    this.#budget = options.budget ?? FRAME_BUDGET_CHARS;
  }

  /** Frames received and not handled yet. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  push(text: string): void {
    // What was spent since the last drain counts against this task: that can only make a task
    // shorter, and keeps a quiet socket free of timers (one wait per budget of frames at most).
    if (this.queued === 0 && this.#spent < this.#budget) {
      this.#spent += text.length;
      this.#handle(text);
      return;
    }
    this.#queue.push(text);
    this.#schedule();
  }

  /** Drops frames not handled yet: the socket they came from is gone. */
  clear(): void {
    this.#queue = [];
    this.#head = 0;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#nextTask(() => this.#drain());
  }

  #drain(): void {
    this.#scheduled = false;
    this.#spent = 0;
    try {
      while (this.queued > 0 && this.#spent < this.#budget) {
        const text = this.#queue[this.#head]!;
        this.#queue[this.#head++] = '';
        this.#spent += text.length;
        this.#handle(text);
      }
    } finally {
      if (this.queued > 0) this.#schedule();
      else {
        this.clear();
        // Nothing else runs in this task: the next frame starts a budget of its own.
        this.#spent = 0;
      }
    }
  }
}
