/** A mistake in `tablecast serve`'s config file or environment; the message names the field. */
export class BridgeConfigError extends Error {
  readonly code = 'BRIDGE_CONFIG';
}
