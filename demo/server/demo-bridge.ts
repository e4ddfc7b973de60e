import {
  type Bridge,
  codecs,
  createBridge,
  KafkaTable,
  type KafkaTableWriter,
  type Logger,
  StreamTable,
  type WindowRow,
} from '../../server/src/index.js';
import {
  CHANGES_PER_MINUTE_TABLE,
  EVENTS_TABLE,
  FLAGS_TABLE,
  SERVICES_TABLE,
  type Service,
} from '../data.js';
import { changesPerMinute } from './changes-per-minute.js';

/** A running bridge and the tables it serves. */
export interface DemoBridge {
  readonly bridge: Bridge;
  readonly flags: KafkaTable<boolean>;
  readonly services: KafkaTable<Service>;
  readonly events: StreamTable<Service>;
  readonly perMinute: KafkaTable<WindowRow>;
}

export interface DemoBridgeOptions {
  readonly brokers: readonly string[];
  readonly flagsTopic: string;
  readonly servicesTopic: string;
  /** Writes the page's flag switches through the bridge. */
  readonly flagWriter: KafkaTableWriter<boolean>;
  readonly writeTimeoutMs: number;
  readonly logger?: Logger | undefined;
  /** A table's reader died under `bridge`: it serves frozen data until the bridge is rebuilt. */
  readonly onTableFailed: (bridge: Bridge, table: KafkaTable<unknown>, failure: unknown) => void;
}

const FLAG_KEY = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * New tables over the flags and service-registry topics (the flags, the registry, its last 50
 * writes as a feed, changes per minute) and a bridge serving them, ready.
 */
export async function openDemoBridge(options: DemoBridgeOptions): Promise<DemoBridge> {
  const { logger, flagsTopic, servicesTopic } = options;
  const common = { brokers: [...options.brokers], ...(logger ? { logger } : {}) };
  const flags = new KafkaTable({
    ...common,
    topic: flagsTopic,
    valueCodec: codecs.json<boolean>(),
  });
  const services = new KafkaTable({
    ...common,
    topic: servicesTopic,
    valueCodec: codecs.json<Service>(),
    numPartitions: 3,
  });
  // The live event feed: the registry's last 50 writes as rows.
  const events = new StreamTable({
    ...common,
    topic: servicesTopic,
    valueCodec: codecs.json<Service>(),
    limit: 50,
  });
  const perMinute = await changesPerMinute({ ...common, topic: servicesTopic });
  const bridge = createBridge({
    tables: {
      [FLAGS_TABLE]: flags,
      [SERVICES_TABLE]: services,
      [EVENTS_TABLE]: events,
      [CHANGES_PER_MINUTE_TABLE]: perMinute,
    },
    // The page's flag switches write through the bridge (handle.set), only known flag keys
    // and only booleans: the JSON codec alone would take any value.
    writers: { [FLAGS_TABLE]: options.flagWriter as KafkaTableWriter<unknown> },
    authorizeWrite: (_request, write) =>
      FLAG_KEY.test(write.key) && (write.delete || typeof write.value === 'boolean'),
    writeTimeoutMs: options.writeTimeoutMs,
    heartbeatIntervalMs: 15_000,
    ...(logger ? { logger } : {}),
  });
  await bridge.ready();
  for (const table of [flags, services, events, perMinute] as KafkaTable<unknown>[]) {
    table.onStatus((status, failure) => {
      if (status === 'failed') options.onTableFailed(bridge, table, failure);
    });
    // One that failed while the bridge started has no transition left to report.
    if (table.status === 'failed') options.onTableFailed(bridge, table, table.failure);
  }
  return { bridge, flags, services, events, perMinute };
}

/** Closes the bridge (pages keep their data and reconnect), then stops its tables. */
export async function closeDemoBridge(current: DemoBridge): Promise<void> {
  await current.bridge.close({ graceMs: 500 });
  await Promise.allSettled([
    current.flags.stop(),
    current.services.stop(),
    current.events.stop(),
    current.perMinute.stop(),
  ]);
}
