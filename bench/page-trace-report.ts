/**
 * Says where a page's long tasks went, from a Chrome trace written by
 * `npm run bench initial-load -- --client chromium --page-trace DIR` (bench/lib/page-trace.ts).
 *
 *   npx tsx bench/page-trace-report.ts DIR/run-1.trace.json [--over-ms 50]
 */
import { readFile } from 'node:fs/promises';
import { Options } from './lib/args.js';
import { pageTraceText, readPageTrace, traceEvents } from './lib/page-trace.js';

const opts = new Options();
const file = opts.positional[0];
if (file === undefined) {
  throw new Error('usage: npx tsx bench/page-trace-report.ts FILE.trace.json [--over-ms 50]');
}
const overMs = opts.int('over-ms', 50, 1);
const events = traceEvents(await readFile(file, 'utf8'));
console.log(pageTraceText(readPageTrace(events, overMs), overMs));
