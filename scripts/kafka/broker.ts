import { randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { brokerProperties, classpath, writeLoggingConfig } from './broker-config.js';
import { ensureKafkaJars, resolveKafkaVersion } from './fetch.js';
import { freePorts } from './free-ports.js';
import { type JvmProcess, launchJvm, OUTPUT_TAIL_LINES } from './jvm-process.js';
import { track, untrack } from './live-jvms.js';

export interface KafkaBrokerOptions {
  port?: number;
  controllerPort?: number;
  dataDir?: string;
  version?: string;
  heapMb?: number;
  extraConfig?: Record<string, string>;
  log?: (line: string) => void;
  /** How long start()/restart() wait for the broker to serve clients. Default 60 000. */
  startTimeoutMs?: number;
  /**
   * A second client listener, named SECURE, with its own security protocol, beside the PLAINTEXT
   * one (which the readiness probe, inter-broker traffic and test setup keep using). Its
   * settings go in `extraConfig` under `listener.name.secure.*`.
   */
  secureListener?: { protocol: 'SSL' | 'SASL_SSL' | 'SASL_PLAINTEXT'; port?: number };
  /**
   * Extra arguments for the storage format, e.g.
   * `['--add-scram', 'SCRAM-SHA-256=[name=alice,password=alice-secret]']` (KRaft keeps SCRAM
   * credentials in its metadata log, so they are set when the storage is made).
   */
  formatArgs?: readonly string[];
}

export interface KafkaBroker {
  readonly brokers: string;
  readonly port: number;
  /** `127.0.0.1:<port>` of the SECURE listener, when `secureListener` was given. */
  readonly secureBrokers: string | undefined;
  readonly dataDir: string;
  /** Graceful shutdown; also deletes the data dir if startKafka created it. */
  stop(): Promise<void>;
  /** Graceful shutdown and start again on the same ports, keeping the data. */
  restart(): Promise<void>;
  /** SIGKILL, for outage tests. Keeps the data dir. */
  kill(): Promise<void>;
  /** Starts again after stop()/kill(); no-op while running. */
  start(): Promise<void>;
}

const STOP_GRACE_MS = 15_000;
const FORMAT_TIMEOUT_MS = 60_000;

export async function startKafka(options: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
  const version = resolveKafkaVersion(options.version);
  const libs = await ensureKafkaJars(version);
  const [port, controllerPort, securePort] = await freePorts(
    options.port,
    options.controllerPort,
    options.secureListener?.port,
  );
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'tablecast-kafka-')));
  const broker = new LocalKafkaBroker({
    version,
    libs,
    port,
    controllerPort,
    dataDir,
    ownsDataDir,
    heapMb: options.heapMb,
    extraConfig: options.extraConfig ?? {},
    log: options.log ?? (() => {}),
    startTimeoutMs: options.startTimeoutMs ?? 60_000,
    secure: options.secureListener && {
      protocol: options.secureListener.protocol,
      port: securePort,
    },
    formatArgs: options.formatArgs ?? [],
  });
  try {
    await broker.start();
  } catch (error) {
    await broker.stop().catch(() => {});
    throw error;
  }
  return broker;
}

interface Settings {
  version: string;
  libs: string;
  port: number;
  controllerPort: number;
  dataDir: string;
  ownsDataDir: boolean;
  heapMb: number | undefined;
  extraConfig: Record<string, string>;
  log: (line: string) => void;
  startTimeoutMs: number;
  secure: { protocol: string; port: number } | undefined;
  formatArgs: readonly string[];
}

class LocalKafkaBroker implements KafkaBroker {
  readonly brokers: string;
  readonly port: number;
  readonly secureBrokers: string | undefined;
  readonly dataDir: string;
  #settings: Settings;
  #running: JvmProcess | undefined;
  // Lifecycle calls are serialized so e.g. a teardown stop() racing a test's restart()
  // never sees a half-started JVM.
  #queue: Promise<unknown> = Promise.resolve();

  constructor(settings: Settings) {
    this.#settings = settings;
    this.port = settings.port;
    this.dataDir = settings.dataDir;
    this.brokers = `127.0.0.1:${settings.port}`;
    this.secureBrokers = settings.secure && `127.0.0.1:${settings.secure.port}`;
  }

  start(): Promise<void> {
    return this.#enqueue(() => this.#start());
  }

  stop(): Promise<void> {
    return this.#enqueue(async () => {
      await this.#terminate('SIGTERM');
      if (this.#settings.ownsDataDir) {
        await rm(this.dataDir, { recursive: true, force: true, maxRetries: 3 });
      }
    });
  }

  restart(): Promise<void> {
    return this.#enqueue(async () => {
      await this.#terminate('SIGTERM');
      await this.#start();
    });
  }

  kill(): Promise<void> {
    return this.#enqueue(() => this.#terminate('SIGKILL'));
  }

  #enqueue(operation: () => Promise<void>): Promise<void> {
    const result = this.#queue.then(operation);
    this.#queue = result.catch(() => {});
    return result;
  }

  async #start(): Promise<void> {
    const current = this.#running;
    if (current && current.child.exitCode === null && current.child.signalCode === null) return;
    // Reaps a JVM that died on its own so a crashed broker can be started again.
    await this.#terminate('SIGKILL');
    const s = this.#settings;
    const started = Date.now();
    const logDir = join(this.dataDir, 'kraft-logs');
    await mkdir(logDir, { recursive: true });
    const serverProperties = join(this.dataDir, 'server.properties');
    await writeFile(serverProperties, brokerProperties(s, logDir));
    const loggingArgs = await writeLoggingConfig(this.dataDir, s.version);

    if (!(await exists(join(logDir, 'meta.properties')))) {
      s.log(`formatting KRaft storage in ${logDir}`);
      await this.#format(serverProperties, loggingArgs);
    }

    const heapMb = s.heapMb ?? 768;
    const heap = [`-Xmx${heapMb}m`, `-Xms${Math.min(256, heapMb)}m`];
    const jvmArgs = [
      ...heap,
      '-XX:+UseG1GC',
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      ...loggingArgs,
      '-cp',
      classpath(s.libs),
      'kafka.Kafka',
      serverProperties,
    ];
    const running = launchJvm(jvmArgs, this.dataDir, s.log);
    this.#running = running;
    track(running.child);
    s.log(`kafka ${s.version} pid ${running.child.pid} starting on ${this.brokers}`);

    try {
      await this.#awaitReady(running);
    } catch (error) {
      await this.#terminate('SIGKILL');
      throw error;
    }
    s.log(
      `kafka ${s.version} accepting clients on ${this.brokers} after ${Date.now() - started} ms`,
    );
  }

  async #terminate(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const running = this.#running;
    if (!running) return;
    const { child, exited } = running;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      if (signal === 'SIGTERM') {
        const timer = setTimeout(() => {
          this.#settings.log(`kafka did not exit within ${STOP_GRACE_MS} ms, sending SIGKILL`);
          child.kill('SIGKILL');
        }, STOP_GRACE_MS);
        try {
          await exited;
        } finally {
          clearTimeout(timer);
        }
      }
    }
    await exited;
    untrack(child);
    this.#running = undefined;
  }

  async #awaitReady(running: JvmProcess): Promise<void> {
    const { startTimeoutMs } = this.#settings;
    const deadline = Date.now() + startTimeoutMs;
    let exitReason: string | undefined;
    void running.exited.then((reason) => {
      exitReason = reason;
    });
    let lastError: unknown;
    while (exitReason === undefined) {
      if (Date.now() > deadline) {
        throw await this.#startupError(
          `Kafka broker on ${this.brokers} did not accept clients within ${startTimeoutMs} ms` +
            (lastError === undefined ? '' : ` (last error: ${describe(lastError)})`),
          running,
        );
      }
      try {
        if (await this.#probe()) return;
      } catch (error) {
        lastError = error;
      }
      await Promise.race([sleep(200), running.exited]);
    }
    throw await this.#startupError(
      `Kafka broker JVM exited before accepting clients (${exitReason})`,
      running,
    );
  }

  /** True once the broker answers metadata requests and lists itself as a live broker. */
  async #probe(): Promise<boolean> {
    const admin = new Kafka({
      clientId: 'tablecast-kafka-probe',
      brokers: [this.brokers],
      connectionTimeout: 1_000,
      requestTimeout: 3_000,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    }).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return cluster.brokers.some((b) => b.port === this.port);
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  async #startupError(message: string, running: JvmProcess): Promise<Error> {
    const logFile = join(this.dataDir, 'broker.log');
    const brokerLog = await readFile(logFile, 'utf8').then(
      (text) => tail(text.split('\n'), OUTPUT_TAIL_LINES).join('\n'),
      () => '',
    );
    const parts = [message];
    if (brokerLog.trim()) parts.push(`--- tail of ${logFile} ---\n${brokerLog.trimEnd()}`);
    if (running.output.length > 0) parts.push(`--- JVM output ---\n${running.output.join('\n')}`);
    return new Error(parts.join('\n'));
  }

  async #format(serverProperties: string, loggingArgs: string[]): Promise<void> {
    const s = this.#settings;
    const clusterId = randomBytes(16).toString('base64url');
    const args = [
      '-Xmx256m',
      '-Djava.awt.headless=true',
      ...loggingArgs,
      '-cp',
      classpath(s.libs),
      'kafka.tools.StorageTool',
      'format',
      // One argument with '=': a base64url id can start with '-', which the tool's argument
      // parser would otherwise read as an option (and fail about once in 64 runs).
      `--cluster-id=${clusterId}`,
      '--config',
      serverProperties,
      ...s.formatArgs,
    ];
    const running = launchJvm(args, this.dataDir, s.log);
    track(running.child);
    const timer = setTimeout(() => running.child.kill('SIGKILL'), FORMAT_TIMEOUT_MS);
    try {
      const reason = await running.exited;
      if (running.child.exitCode !== 0) {
        throw new Error(
          `kafka.tools.StorageTool format failed (${reason}):\n${running.output.join('\n')}`,
        );
      }
    } finally {
      clearTimeout(timer);
      untrack(running.child);
    }
  }
}

function tail<T>(items: T[], count: number): T[] {
  return items.slice(Math.max(0, items.length - count));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
