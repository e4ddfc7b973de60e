export { rowId, type StreamRow } from '../../../shared/src/protocol/stream-row.js';
