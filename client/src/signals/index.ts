// The `tablecast/signals` entry point.
export { type SignalsTable, signals } from './signals.js';
export { type SignalsStream, streamSignals } from './stream-signals.js';
