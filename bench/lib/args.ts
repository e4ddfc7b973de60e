/**
 * Tiny flag parser shared by the benchmarks.
 *
 * Accepts `--name value`, `--name=value` and bare `--flag` (boolean). Each option can also come
 * from an environment variable (`BENCH_<NAME>` with dashes as underscores, e.g. `BENCH_RECORDS`);
 * a flag wins over the environment, which wins over the default.
 */

export interface ParsedArgs {
  readonly flags: ReadonlyMap<string, string | true>;
  readonly positional: readonly string[];
}

export function parseArgv(argv: readonly string[] = process.argv.slice(2)): ParsedArgs {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const body = arg.slice(2);
    const eq = body.indexOf('=');
    if (eq >= 0) {
      flags.set(body.slice(0, eq), body.slice(eq + 1));
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      flags.set(body, next);
      i++;
    } else {
      flags.set(body, true);
    }
  }
  return { flags, positional };
}

function envName(name: string): string {
  return `BENCH_${name.replaceAll('-', '_').toUpperCase()}`;
}

export class Options {
  readonly #args: ParsedArgs;
  readonly #env: NodeJS.ProcessEnv;
  readonly #known = new Set<string>();

  constructor(args: ParsedArgs = parseArgv(), env: NodeJS.ProcessEnv = process.env) {
    this.#args = args;
    this.#env = env;
  }

  get positional(): readonly string[] {
    return this.#args.positional;
  }

  #raw(name: string): string | true | undefined {
    this.#known.add(name);
    const flag = this.#args.flags.get(name);
    if (flag !== undefined) return flag;
    const env = this.#env[envName(name)];
    return env === undefined || env === '' ? undefined : env;
  }

  string(name: string, fallback: string): string {
    const raw = this.#raw(name);
    if (raw === undefined) return fallback;
    if (raw === true) throw new Error(`--${name} needs a value`);
    return raw;
  }

  optionalString(name: string): string | undefined {
    const raw = this.#raw(name);
    if (raw === true) throw new Error(`--${name} needs a value`);
    return raw;
  }

  /** An integer; accepts `1_000_000`, `1e6` and `1000k`/`1m` style suffixes. */
  int(name: string, fallback: number, min = Number.MIN_SAFE_INTEGER): number {
    const raw = this.#raw(name);
    if (raw === undefined) return fallback;
    if (raw === true) throw new Error(`--${name} needs a value`);
    const value = parseCount(raw);
    if (!Number.isSafeInteger(value) || value < min) {
      throw new Error(`--${name}: expected an integer >= ${min}, got ${JSON.stringify(raw)}`);
    }
    return value;
  }

  bool(name: string, fallback = false): boolean {
    const raw = this.#raw(name);
    if (raw === undefined) return fallback;
    if (raw === true) return true;
    return !['0', 'false', 'no', 'off'].includes(raw.toLowerCase());
  }

  list(name: string, fallback: readonly string[]): string[] {
    const raw = this.#raw(name);
    if (raw === undefined || raw === true) return [...fallback];
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  }

  /** Throws on flags nobody asked for, so a typo does not silently run the default size. */
  assertNoUnknown(): void {
    const unknown = [...this.#args.flags.keys()].filter((k) => !this.#known.has(k));
    if (unknown.length > 0) {
      throw new Error(`unknown option(s): ${unknown.map((k) => `--${k}`).join(', ')}`);
    }
  }
}

export function parseCount(raw: string): number {
  const s = raw.trim().toLowerCase().replaceAll('_', '');
  const suffix = s.at(-1);
  const mult = suffix === 'k' ? 1_000 : suffix === 'm' ? 1_000_000 : 1;
  const num = Number(mult === 1 ? s : s.slice(0, -1));
  return Math.round(num * mult);
}
