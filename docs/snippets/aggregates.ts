import { createBridge, groupByTable, windowedTable } from 'tablecast/server';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
// Keys 'paid', 'open', ...; values { count: 3, total: 120 }, kept as orders change or go.
const ordersByStatus = groupByTable<{ status: string; amount: number }>({
  brokers,
  topic: 'orders',
  groupBy: (order) => order.status,
  aggregates: { count: 'count', total: { op: 'sum', field: (order) => order.amount } },
});
// Keys 'api@2026-01-01T10:00:00.000Z'; values { group: 'api', start, end, count: 12 }.
const errorsPerMinute = windowedTable<{ service: string }>({
  brokers,
  topic: 'errors',
  groupBy: (error) => error.service,
  window: { sizeMs: 60_000, graceMs: 10_000, retainMs: 3_600_000 },
  aggregates: { count: 'count' },
});
const bridge = createBridge({ tables: { ordersByStatus, errorsPerMinute } });
await bridge.listen({ port: 8080 });
