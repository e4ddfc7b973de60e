/**
 * Whether the page is hidden, and when that changes. The client pauses its subscriptions while
 * hidden (option `pauseWhenHidden`) and saves its cache on hide. Injectable: tests, and
 * runtimes with their own notion of "in the background" (a React Native AppState, say).
 */
export interface VisibilitySource {
  hidden(): boolean;
  /** Calls `listener` on every change; returns the function that stops it. */
  onChange(listener: () => void): () => void;
}

/** The page's `document.visibilityState`, or undefined where there is no such document. */
export function documentVisibility(): VisibilitySource | undefined {
  const doc = (globalThis as { document?: Document | undefined }).document;
  if (
    doc === undefined ||
    typeof doc.visibilityState !== 'string' ||
    typeof doc.addEventListener !== 'function'
  ) {
    return undefined;
  }
  return {
    hidden: () => doc.visibilityState === 'hidden',
    onChange: (listener) => {
      doc.addEventListener('visibilitychange', listener);
      return () => doc.removeEventListener('visibilitychange', listener);
    },
  };
}
