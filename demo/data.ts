// What the demo's tables hold, shared by the demo server (seeding, the background writer) and the
// dashboard (labels). No Node or DOM imports: both sides load it.

/** Table names as the bridge serves them (the topics are `demo-flags` and `demo-services`). */
export const FLAGS_TABLE = 'flags';
export const SERVICES_TABLE = 'services';
/** A stream table over the registry topic: every registry write is an event. */
export const EVENTS_TABLE = 'events';

/**
 * Registry changes per minute by status: a windowed aggregate the bridge computes from the
 * services topic read as a stream (every registry write is an event).
 */
export const CHANGES_PER_MINUTE_TABLE = 'changes-per-minute';

/** A row of the changes-per-minute table: one status in one minute `[start, end)`. */
export interface MinuteRow {
  readonly group: string;
  readonly start: number;
  readonly end: number;
  readonly changes: number;
}

export interface FlagInfo {
  readonly key: string;
  readonly label: string;
  readonly description: string;
  readonly initial: boolean;
}

/** The seeded flags. Three of them change the dashboard itself, through `useFlag`. */
export const FLAGS: readonly FlagInfo[] = [
  {
    key: 'new-checkout',
    label: 'New checkout',
    description: 'Route 10% of carts through the redesigned checkout.',
    initial: true,
  },
  {
    key: 'search-v2',
    label: 'Search v2',
    description: 'Vector search for the catalog.',
    initial: false,
  },
  {
    key: 'recommendations',
    label: 'Recommendations',
    description: '“Customers also bought” on product pages.',
    initial: true,
  },
  {
    key: 'beta-banner',
    label: 'Beta banner',
    description: 'Shows a banner on this dashboard (read with useFlag).',
    initial: false,
  },
  {
    key: 'compact-rows',
    label: 'Compact rows',
    description: 'Denser service table on this dashboard (useFlag).',
    initial: false,
  },
  {
    key: 'highlight-changes',
    label: 'Highlight changes',
    description: 'Flash registry rows when they change (useFlag).',
    initial: true,
  },
];

export type ServiceStatus = 'healthy' | 'degraded' | 'down';

export interface Service {
  readonly name: string;
  readonly region: string;
  readonly version: string;
  readonly status: ServiceStatus;
  readonly latencyMs: number;
  /** Epoch milliseconds of the write. */
  readonly updatedAt: number;
}

export const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2'] as const;

const SERVICE_NAMES = [
  'api-gateway',
  'auth',
  'billing',
  'cart',
  'catalog',
  'checkout',
  'email',
  'inventory',
  'media',
  'notifications',
  'orders',
  'payments',
  'pricing',
  'recommendations',
  'reviews',
  'search',
  'sessions',
  'shipping',
  'users',
  'analytics',
] as const;

/** Twenty services, deterministic so a fresh topic always starts the same way. */
export function seedServices(now: number): Service[] {
  return SERVICE_NAMES.map((name, i) => ({
    name,
    region: REGIONS[i % REGIONS.length]!,
    version: `1.${(i * 7) % 12}.${(i * 3) % 10}`,
    status: i === 6 ? 'degraded' : 'healthy',
    latencyMs: 20 + ((i * 37) % 90),
    updatedAt: now,
  }));
}

/** A typical latency for a status, used by the writer as the centre of its jitter. */
export function baseLatency(status: ServiceStatus): number {
  return status === 'healthy' ? 45 : status === 'degraded' ? 240 : 0;
}
