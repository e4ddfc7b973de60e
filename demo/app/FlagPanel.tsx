import { useState } from 'react';
import { useTable, useWrite } from '../../client/src/react/index.js';
import { FLAGS, FLAGS_TABLE, type FlagInfo } from '../data.js';

/** The flags, as the live table has them. Toggling writes to Kafka through the bridge. */
export function FlagPanel() {
  const { data, status } = useTable<boolean>(FLAGS_TABLE);
  const known = new Set(FLAGS.map((f) => f.key));
  const extra: FlagInfo[] = [...data.keys()]
    .filter((key) => !known.has(key))
    .sort()
    .map((key) => ({ key, label: key, description: 'Written by someone else.', initial: false }));
  const enabled = [...data.values()].filter((v) => v === true).length;
  return (
    <section className="card" aria-labelledby="flags-title">
      <div className="card-head">
        <h2 id="flags-title">Feature flags</h2>
        <span className="muted small">
          {data.size === 0
            ? status === 'caught_up'
              ? 'none'
              : '…'
            : `${enabled} of ${data.size} on`}
        </span>
      </div>
      <ul className="flags">
        {[...FLAGS, ...extra].map((flag) => (
          <FlagRow key={flag.key} flag={flag} value={data.get(flag.key)} />
        ))}
      </ul>
    </section>
  );
}

function FlagRow({
  flag,
  value,
}: {
  readonly flag: FlagInfo;
  readonly value: boolean | undefined;
}) {
  // The switch shows a pending look while the write is in flight and flips only when the live
  // table shows the new value: `set` resolves once this page's own map has it.
  const writer = useWrite<boolean>(FLAGS_TABLE);
  const pending = writer.pending.has(flag.key);
  const [error, setError] = useState<string | undefined>(undefined);

  const toggle = async () => {
    if (value === undefined || pending) return;
    setError(undefined);
    try {
      await writer.set(flag.key, !value);
    } catch (cause) {
      setError(cause instanceof Error ? cause.message : String(cause));
    }
  };

  const state = value === undefined ? 'unknown' : value ? 'on' : 'off';
  return (
    <li className="flag" data-flag={flag.key} data-value={state}>
      <div className="flag-text">
        <span className="flag-label">{flag.label}</span>
        <span className="flag-desc">{error ? `Write failed: ${error}` : flag.description}</span>
      </div>
      <span className={`flag-state state-${state}`} data-flag-state={flag.key}>
        {value === undefined ? '—' : value ? 'On' : 'Off'}
      </span>
      <button
        type="button"
        role="switch"
        aria-checked={value === true}
        aria-label={`${flag.label}: turn ${value ? 'off' : 'on'}`}
        aria-busy={pending}
        className={`switch${value ? ' is-on' : ''}${pending ? ' is-pending' : ''}`}
        data-flag-toggle={flag.key}
        disabled={value === undefined || pending}
        onClick={() => void toggle()}
      >
        <span className="knob" />
      </button>
    </li>
  );
}
