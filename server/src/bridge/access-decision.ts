import type { Allowed } from './allowed.js';
import type { AuthorizeRequest, BridgeOptions } from './bridge-options.js';

/** An authorization decision, normalised: which tables, and the app's session data. */
export interface AccessDecision {
  readonly tables: Allowed;
  readonly session: unknown;
}

/**
 * Asks `authorize` about a request and normalises its answer: no hook or `true` is every table,
 * `false` (or anything that is not an object) is a refusal, an object names its tables (all when
 * it names none) and its session data. Rejects with what the hook threw.
 */
export async function decideAccess(
  authorize: BridgeOptions['authorize'],
  request: AuthorizeRequest,
): Promise<AccessDecision | false> {
  if (authorize === undefined) return { tables: 'all', session: undefined };
  const decision = await authorize(request);
  if (decision === true) return { tables: 'all', session: undefined };
  if (decision === false || typeof decision !== 'object' || decision === null) return false;
  return {
    tables: decision.tables === undefined ? 'all' : new Set(decision.tables),
    session: decision.session,
  };
}
