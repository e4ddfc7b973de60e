import { TablecastError } from '../../errors.js';
import type { ApiRequest } from './connection.js';
import { ErrorCode, errorName } from './error-codes.js';

export const ApiKey = {
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  SaslHandshake: 17,
  ApiVersions: 18,
  SaslAuthenticate: 36,
} as const;

const API_NAMES = new Map<number, string>(Object.entries(ApiKey).map(([name, key]) => [key, name]));

/** What one broker supports: api key → [min, max] version. */
export type ApiVersionRanges = ReadonlyMap<number, readonly [number, number]>;

/**
 * ApiVersions v3 (flexible request, but a v0 response header). A broker that does not know v3
 * answers in the v0 layout with UNSUPPORTED_VERSION and still lists its ranges (KIP-511), so
 * the list is read in either layout.
 */
export function apiVersionsRequest(): ApiRequest<ApiVersionRanges> {
  return {
    apiKey: ApiKey.ApiVersions,
    version: 3,
    flexible: true,
    flexibleResponseHeader: false,
    encode: (e) => e.string('tablecast', true).string('1', true).tags(true),
    decode: (d) => {
      const error = d.int16();
      const flexible = error !== ErrorCode.UNSUPPORTED_VERSION;
      if (error !== ErrorCode.NONE && flexible) {
        throw new Error(`ApiVersions failed: ${errorName(error)}`);
      }
      const ranges = new Map<number, readonly [number, number]>();
      const count = d.arrayLength(flexible);
      for (let i = 0; i < count; i++) {
        const key = d.int16();
        ranges.set(key, [d.int16(), d.int16()]);
        d.tags(flexible);
      }
      return ranges;
    },
  };
}

/** The highest version both sides speak, or a fatal error naming the API. */
export function pickVersion(
  ranges: ApiVersionRanges,
  apiKey: number,
  ours: readonly [number, number],
  where: string,
): number {
  const theirs = ranges.get(apiKey);
  const version = theirs === undefined ? -1 : Math.min(theirs[1], ours[1]);
  if (theirs === undefined || version < Math.max(theirs[0], ours[0])) {
    throw new TablecastError(
      'KAFKA_PROTOCOL_ERROR',
      `Broker ${where} does not speak ${API_NAMES.get(apiKey)} v${ours[0]}-v${ours[1]} (it has ${
        theirs ? `v${theirs[0]}-v${theirs[1]}` : 'none'
      }). tablecast's Kafka client needs Kafka 2.4 or later.`,
    );
  }
  return version;
}
