import type { ServerResponse } from 'node:http';
import type { ArrowSchemaSpec } from '../../../shared/src/arrow/arrow-columns.js';
import type { KafkaTable } from '../kafka-table.js';

/** What the Arrow route needs from the optional `apache-arrow` package and our builder. */
export interface ArrowModule {
  readonly entriesToArrow: typeof import('../../../shared/src/arrow/entries-to-arrow.js').entriesToArrow;
  readonly tableToIPC: typeof import('apache-arrow').tableToIPC;
}

export const ARROW_STREAM_TYPE = 'application/vnd.apache.arrow.stream';

/**
 * `apache-arrow` is an optional dependency: loaded on the first Arrow request, so a bridge
 * that never serves Arrow neither needs it installed nor pays for loading it.
 */
export async function loadArrow(): Promise<ArrowModule> {
  const [builder, arrow] = await Promise.all([
    import('../../../shared/src/arrow/entries-to-arrow.js'),
    import('apache-arrow'),
  ]);
  return { entriesToArrow: builder.entriesToArrow, tableToIPC: arrow.tableToIPC };
}

/**
 * `GET /tables/:name?format=arrow`: the table as one Arrow IPC stream, a `key` column and
 * typed value columns (`schema` when declared, else inferred), with the table's name, status
 * and position in the schema metadata. Answers 501 when `apache-arrow` is not installed.
 */
export async function sendArrow(
  response: ServerResponse,
  name: string,
  table: KafkaTable<unknown>,
  schema: ArrowSchemaSpec | undefined,
  load: () => Promise<ArrowModule> = loadArrow,
): Promise<void> {
  let arrow: ArrowModule;
  try {
    arrow = await load();
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    const body = JSON.stringify({
      error: 'Arrow output needs the optional dependency apache-arrow: npm install apache-arrow',
    });
    response.writeHead(501, { 'content-type': 'application/json; charset=utf-8' });
    response.end(response.req.method === 'HEAD' ? undefined : body);
    return;
  }
  // Entries and position are read in one synchronous run: they describe one moment.
  const position = { topicId: table.topicId ?? table.topic, offsets: table.position };
  const bytes = arrow.tableToIPC(
    arrow.entriesToArrow([...table.entries()], {
      ...(schema === undefined ? {} : { schema }),
      metadata: {
        'tablecast.table': name,
        'tablecast.status': table.status,
        'tablecast.position': JSON.stringify(position),
      },
    }),
    'stream',
  );
  response.writeHead(200, {
    'content-type': ARROW_STREAM_TYPE,
    'content-length': String(bytes.byteLength),
    'cache-control': 'no-store',
  });
  response.end(response.req.method === 'HEAD' ? undefined : bytes);
}
