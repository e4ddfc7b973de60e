// The `tablecast/rx` entry point.
export { type RxTable, rx } from './rx.js';
export { type RxStream, rxStream } from './rx-stream.js';
