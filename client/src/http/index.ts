// The `tablecast/http` entry point: first snapshots over HTTP, for `createClient`'s `snapshotSource`.
export { type HttpSnapshotsOptions, httpSnapshots } from './http-snapshots.js';
