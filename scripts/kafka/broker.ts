import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { ensureKafkaJars, kafkaMajorVersion, resolveKafkaVersion } from './fetch.js';

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
const OUTPUT_TAIL_LINES = 60;

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

interface Running {
  child: ChildProcess;
  exited: Promise<string>;
  output: string[];
}

class LocalKafkaBroker implements KafkaBroker {
  readonly brokers: string;
  readonly port: number;
  readonly secureBrokers: string | undefined;
  readonly dataDir: string;
  #settings: Settings;
  #running: Running | undefined;
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
    await writeFile(serverProperties, this.#serverProperties(logDir));
    const loggingArgs = await this.#writeLoggingConfig();

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
    const running = launch(jvmArgs, this.dataDir, s.log);
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

  async #awaitReady(running: Running): Promise<void> {
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

  async #startupError(message: string, running: Running): Promise<Error> {
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
    const running = launch(args, this.dataDir, s.log);
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

  #serverProperties(logDir: string): string {
    const s = this.#settings;
    const secure = s.secure ? `,SECURE://127.0.0.1:${s.secure.port}` : '';
    const config: Record<string, string> = {
      'process.roles': 'broker,controller',
      'node.id': '1',
      // A static voter set needs no --standalone/--initial-controllers at format time and
      // behaves the same on 3.9 and 4.x; the controller port is fixed for our lifetime anyway.
      'controller.quorum.voters': `1@127.0.0.1:${s.controllerPort}`,
      listeners: `PLAINTEXT://127.0.0.1:${s.port}${secure},CONTROLLER://127.0.0.1:${s.controllerPort}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${s.port}${secure}`,
      'listener.security.protocol.map': `PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${
        s.secure ? `,SECURE:${s.secure.protocol}` : ''
      }`,
      'controller.listener.names': 'CONTROLLER',
      'inter.broker.listener.name': 'PLAINTEXT',
      'log.dirs': logDir,
      'num.partitions': '1',
      'default.replication.factor': '1',
      'min.insync.replicas': '1',
      'auto.create.topics.enable': 'false',
      'group.initial.rebalance.delay.ms': '0',
      'offsets.topic.replication.factor': '1',
      // One partition instead of 50 makes the first consumer group join noticeably faster.
      'offsets.topic.num.partitions': '1',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'share.coordinator.state.topic.replication.factor': '1',
      'share.coordinator.state.topic.min.isr': '1',
      // After kill() the restarted broker cannot register until the controller has expired
      // the dead incarnation's session (default 9 s); a shorter session keeps outage tests fast.
      'broker.heartbeat.interval.ms': '1000',
      'broker.session.timeout.ms': '4000',
      ...s.extraConfig,
    };
    if (kafkaMajorVersion(s.version) < 4) {
      delete config['share.coordinator.state.topic.replication.factor'];
      delete config['share.coordinator.state.topic.min.isr'];
    }
    return `${Object.entries(config)
      .map(([key, value]) => `${escapeProperty(key)}=${escapeProperty(value)}`)
      .join('\n')}\n`;
  }

  /** Writes a file-only logging config (WARN+ unless TABLECAST_KAFKA_LOG_LEVEL says otherwise) and returns the JVM flags that select it. */
  async #writeLoggingConfig(): Promise<string[]> {
    const logFile = join(this.dataDir, 'broker.log');
    const level = process.env.TABLECAST_KAFKA_LOG_LEVEL?.toUpperCase() || 'WARN';
    if (kafkaMajorVersion(this.#settings.version) >= 4) {
      const file = join(this.dataDir, 'log4j2.properties');
      await writeFile(
        file,
        [
          'status = error',
          'name = tablecast-kafka',
          'appender.file.type = File',
          'appender.file.name = FILE',
          `appender.file.fileName = ${escapeProperty(logFile)}`,
          'appender.file.append = true',
          'appender.file.layout.type = PatternLayout',
          'appender.file.layout.pattern = [%d] %p %m (%c)%n',
          `rootLogger.level = ${level}`,
          'rootLogger.appenderRef.file.ref = FILE',
          '',
        ].join('\n'),
      );
      return [`-Dlog4j2.configurationFile=${file}`];
    }
    const file = join(this.dataDir, 'log4j.properties');
    await writeFile(
      file,
      [
        `log4j.rootLogger=${level}, file`,
        'log4j.appender.file=org.apache.log4j.FileAppender',
        `log4j.appender.file.File=${escapeProperty(logFile)}`,
        'log4j.appender.file.Append=true',
        'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
        'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
        '',
      ].join('\n'),
    );
    return [`-Dlog4j.configuration=file:${file}`];
  }
}

function launch(javaArgs: string[], cwd: string, log: (line: string) => void): Running {
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  // setpriv execs java in place (same pid, signals unaffected) after asking the kernel to
  // SIGKILL it when this process dies, which covers the abrupt deaths no handler can see.
  const [command, args] = pdeathsigSupported()
    ? ['setpriv', ['--pdeathsig', 'KILL', '--', java, ...javaArgs]]
    : [java, javaArgs];
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const onLine = (line: string) => {
    output.push(line);
    if (output.length > OUTPUT_TAIL_LINES) output.shift();
    log(line);
  };
  splitLines(child.stdout, onLine);
  splitLines(child.stderr, onLine);
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(`spawn failed: ${error.message}`));
    child.once('exit', (code, signal) =>
      resolve(signal ? `killed by ${signal}` : `exit code ${code}`),
    );
  });
  return { child, exited, output };
}

function splitLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (buffered + chunk).split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) onLine(line.trimEnd());
  });
  stream.on('end', () => {
    if (buffered) onLine(buffered.trimEnd());
  });
}

let pdeathsig: boolean | undefined;
function pdeathsigSupported(): boolean {
  if (pdeathsig === undefined) {
    if (process.platform !== 'linux') {
      pdeathsig = false;
    } else {
      const probe = spawnSync('setpriv', ['--help'], { encoding: 'utf8' });
      pdeathsig = probe.status === 0 && probe.stdout.includes('--pdeathsig');
    }
  }
  return pdeathsig;
}

// Safety net for JVMs still running when this process goes away: an 'exit' hook for normal
// termination, and signal hooks that only act when nobody else handles the signal (so the
// default "die" behaviour would otherwise orphan the JVM).
const live = new Set<ChildProcess>();
const HANDLED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function killAll(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  killAll();
  removeHooks();
  process.kill(process.pid, signal);
}

function track(child: ChildProcess): void {
  if (live.size === 0) {
    process.once('exit', killAll);
    for (const signal of HANDLED_SIGNALS) process.on(signal, onSignal);
  }
  live.add(child);
  child.once('exit', () => untrack(child));
}

function untrack(child: ChildProcess): void {
  if (!live.delete(child) || live.size > 0) return;
  removeHooks();
}

function removeHooks(): void {
  process.removeListener('exit', killAll);
  for (const signal of HANDLED_SIGNALS) process.removeListener(signal, onSignal);
}

async function freePorts(
  ...wanted: [number | undefined, number | undefined, number | undefined]
): Promise<[number, number, number]> {
  // All listeners stay open until every port is known so the picks cannot collide.
  const servers = wanted.map(() => createServer());
  try {
    await Promise.all(
      servers.map(async (server, i) => {
        server.listen(wanted[i] ?? 0, '127.0.0.1');
        await once(server, 'listening');
      }),
    );
    const portOf = (i: 0 | 1 | 2): number => {
      const address = servers[i]?.address();
      if (!address || typeof address === 'string') throw new Error('no TCP address');
      return address.port;
    };
    return [portOf(0), portOf(1), portOf(2)];
  } finally {
    await Promise.all(
      servers.map((server) => new Promise((resolve) => server.close(() => resolve(undefined)))),
    );
  }
}

function classpath(libs: string): string {
  // The JVM expands a trailing '*' itself, which keeps the command line short.
  return join(libs, '*');
}

function escapeProperty(value: string): string {
  return value.replace(/\\/g, '\\\\');
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
