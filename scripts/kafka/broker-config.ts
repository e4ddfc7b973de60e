import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kafkaMajorVersion } from './fetch.js';

/** What the broker's configuration is made from. */
export interface BrokerConfigInput {
  readonly version: string;
  readonly port: number;
  readonly controllerPort: number;
  readonly secure: { protocol: string; port: number } | undefined;
  readonly extraConfig: Record<string, string>;
}

/** The broker's server.properties: one KRaft node, loopback listeners, test-friendly defaults. */
export function brokerProperties(s: BrokerConfigInput, logDir: string): string {
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
export async function writeLoggingConfig(dataDir: string, version: string): Promise<string[]> {
  const logFile = join(dataDir, 'broker.log');
  const level = process.env.TABLECAST_KAFKA_LOG_LEVEL?.toUpperCase() || 'WARN';
  if (kafkaMajorVersion(version) >= 4) {
    const file = join(dataDir, 'log4j2.properties');
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
  const file = join(dataDir, 'log4j.properties');
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

export function classpath(libs: string): string {
  // The JVM expands a trailing '*' itself, which keeps the command line short.
  return join(libs, '*');
}

function escapeProperty(value: string): string {
  return value.replace(/\\/g, '\\\\');
}
