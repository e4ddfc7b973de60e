// The `tablecast/rx` entry point.
export { type RxTable, rx } from './rx.js';
