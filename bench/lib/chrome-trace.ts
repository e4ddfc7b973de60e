/**
 * Records Chrome's trace of a page over its CDP session: the page's tasks and V8's collector
 * with its phases and thread times, what bench/lib/page-trace.ts reads.
 */
import type { CDPSession } from 'playwright-core';

const CATEGORIES = [
  'toplevel',
  'devtools.timeline',
  'v8',
  'disabled-by-default-v8.gc',
  'disabled-by-default-devtools.timeline',
];

/** Starts tracing; the function it resolves to stops it and resolves to the trace's text. */
export async function startChromeTrace(cdp: CDPSession): Promise<() => Promise<string>> {
  await cdp.send('Tracing.start', {
    transferMode: 'ReturnAsStream',
    traceConfig: { includedCategories: CATEGORIES },
  });
  return async () => {
    const complete = new Promise<string | undefined>((resolve) =>
      cdp.once('Tracing.tracingComplete', (event) => resolve(event.stream)),
    );
    await cdp.send('Tracing.end');
    const handle = await complete;
    if (handle === undefined) throw new Error('Chrome ended the trace without a stream');
    const chunks: string[] = [];
    try {
      for (;;) {
        const { data, eof, base64Encoded } = await cdp.send('IO.read', { handle });
        chunks.push(base64Encoded === true ? Buffer.from(data, 'base64').toString() : data);
        if (eof) break;
      }
    } finally {
      await cdp.send('IO.close', { handle });
    }
    return chunks.join('');
  };
}
