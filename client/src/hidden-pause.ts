import type { ResolvedClientOptions } from './client-options.js';

/** What the client does when the page hides and shows. */
export interface HiddenPauseHost {
  /** The page was hidden: save while we can (mobile browsers may kill it without warning). */
  hidden(): void;
  /** Hidden past the grace period (and `pauseWhenHidden`): stop the subscriptions. */
  pause(): void;
  /** Visible again after a pause. */
  resume(): void;
}

/**
 * Follows the page's visibility: tells the host when the page hides, and pauses it once the
 * page has stayed hidden for `hiddenGraceMs` (a quick tab switch costs nothing). Idle without a
 * visibility source.
 */
export class HiddenPause {
  readonly #options: ResolvedClientOptions;
  readonly #host: HiddenPauseHost;
  #paused = false;
  #timer: unknown;
  #off: (() => void) | undefined;

  constructor(options: ResolvedClientOptions, host: HiddenPauseHost) {
    this.#options = options;
    this.#host = host;
    const { visibility } = options;
    if (visibility === undefined) return;
    this.#off = visibility.onChange(() => this.#onChange());
    // A page opened in a background tab starts its grace period at once.
    if (options.pauseWhenHidden && visibility.hidden()) this.#arm();
  }

  close(): void {
    this.#off?.();
    this.#off = undefined;
    this.#disarm();
  }

  #onChange(): void {
    const visibility = this.#options.visibility;
    if (this.#off === undefined || visibility === undefined) return;
    if (visibility.hidden()) {
      this.#host.hidden();
      if (this.#options.pauseWhenHidden && !this.#paused) this.#arm();
      return;
    }
    this.#disarm();
    if (!this.#paused) return;
    this.#paused = false;
    this.#host.resume();
  }

  #arm(): void {
    if (this.#timer !== undefined) return;
    this.#timer = this.#options.timers.setTimeout(() => {
      this.#timer = undefined;
      this.#paused = true;
      this.#host.pause();
    }, this.#options.hiddenGraceMs);
  }

  #disarm(): void {
    if (this.#timer === undefined) return;
    this.#options.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
