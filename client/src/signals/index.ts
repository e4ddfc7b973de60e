// The `tablecast/signals` entry point.
export { type SignalsTable, signals } from './signals.js';
