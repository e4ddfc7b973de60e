import type { Timers } from '../../shared/src/timers.js';

export type { Timers } from '../../shared/src/timers.js';

export const defaultTimers: Timers = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // A pending catch-up or waitFor timeout must not keep a process alive on its own.
    if (typeof handle === 'object' && handle !== null && 'unref' in handle) handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Where tablecast reports what it cannot throw: listener errors, policy warnings, resets. */
export interface Logger {
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

export const consoleLogger: Logger = {
  warn: (message, details) => console.warn(`[tablecast] ${message}`, details ?? ''),
  error: (message, details) => console.error(`[tablecast] ${message}`, details ?? ''),
};
