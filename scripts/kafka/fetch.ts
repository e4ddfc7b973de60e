import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_KAFKA_VERSION = '4.1.2';

/** Versions go into a generated pom, so only plain version strings are accepted. */
const VERSION_PATTERN = /^\d+\.\d+\.\d+(?:[-.][0-9A-Za-z.-]+)?$/;

const MARKER = '.tablecast-complete';

// Kafka 4.x only ships log4j-api/core transitively; without an SLF4J binding every broker
// log line is silently dropped, including the ones that explain why it failed to start.
// Declaring api/core directly keeps all three on one version (Maven: nearest wins).
const LOG4J2_VERSION = '2.25.3';
// 3.x brokers log through log4j 1.x; these match what the 3.9 distribution bundles.
const RELOAD4J_VERSION = '1.2.25';
const SLF4J1_VERSION = '1.7.36';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function resolveKafkaVersion(version?: string): string {
  const resolved = version ?? process.env.TABLECAST_KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION;
  if (!VERSION_PATTERN.test(resolved)) {
    throw new Error(`Invalid Kafka version ${JSON.stringify(resolved)}`);
  }
  return resolved;
}

export function kafkaMajorVersion(version: string): number {
  return Number.parseInt(version, 10);
}

export function kafkaCacheDir(version: string): string {
  return join(REPO_ROOT, '.cache', 'kafka', version);
}

const inFlight = new Map<string, Promise<string>>();

/**
 * Resolves org.apache.kafka:kafka_2.13 and its runtime closure (plus a logging backend)
 * into `.cache/kafka/<version>/libs` and returns that folder, ready for `java -cp 'libs/*'`.
 */
export function ensureKafkaJars(version?: string): Promise<string> {
  const resolved = resolveKafkaVersion(version);
  let pending = inFlight.get(resolved);
  if (!pending) {
    pending = fetchJars(resolved).finally(() => inFlight.delete(resolved));
    inFlight.set(resolved, pending);
  }
  return pending;
}

async function fetchJars(version: string): Promise<string> {
  const root = kafkaCacheDir(version);
  const libs = join(root, 'libs');
  if (await exists(join(libs, MARKER))) return libs;

  await mkdir(root, { recursive: true });
  // Each fetch works in a private folder and publishes it with a single rename, so a
  // concurrent process either sees a complete libs folder or none at all.
  const work = join(root, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const staged = join(work, 'libs');
  try {
    await mkdir(staged, { recursive: true });
    await writeFile(join(work, 'pom.xml'), pomFor(version));
    await runMaven(work, staged);
    const jars = (await readdir(staged)).filter((name) => name.endsWith('.jar'));
    if (!jars.some((name) => name.startsWith(`kafka_2.13-${version}`))) {
      throw new Error(`Maven finished but kafka_2.13-${version}.jar is missing in ${staged}`);
    }
    await writeFile(join(staged, MARKER), `${jars.sort().join('\n')}\n`);
    await publish(staged, libs);
    return libs;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function publish(staged: string, libs: string): Promise<void> {
  try {
    await rename(staged, libs);
    return;
  } catch (error) {
    if (!isCode(error, 'ENOTEMPTY', 'EEXIST')) throw error;
  }
  if (await exists(join(libs, MARKER))) return; // another process won the race
  // A libs folder without the marker predates the rename scheme (or was hand-edited):
  // move it out of the way rather than trusting it.
  const stale = `${libs}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(libs, stale);
  } catch (error) {
    if (!isCode(error, 'ENOENT')) throw error;
  }
  await rm(stale, { recursive: true, force: true });
  try {
    await rename(staged, libs);
  } catch (error) {
    if (!(isCode(error, 'ENOTEMPTY', 'EEXIST') && (await exists(join(libs, MARKER))))) throw error;
  }
}

function pomFor(version: string): string {
  const logging =
    kafkaMajorVersion(version) >= 4
      ? [
          dependency('org.apache.logging.log4j', 'log4j-api', LOG4J2_VERSION),
          dependency('org.apache.logging.log4j', 'log4j-core', LOG4J2_VERSION),
          dependency('org.apache.logging.log4j', 'log4j-slf4j-impl', LOG4J2_VERSION),
        ]
      : [
          dependency('ch.qos.reload4j', 'reload4j', RELOAD4J_VERSION),
          dependency('org.slf4j', 'slf4j-api', SLF4J1_VERSION),
          dependency('org.slf4j', 'slf4j-reload4j', SLF4J1_VERSION),
        ];
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.tablecast</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>${version}</version>
  <packaging>pom</packaging>
  <dependencies>
${[dependency('org.apache.kafka', 'kafka_2.13', version), ...logging].join('\n')}
  </dependencies>
</project>
`;
}

function dependency(groupId: string, artifactId: string, version: string): string {
  return `    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version></dependency>`;
}

function runMaven(cwd: string, outputDirectory: string): Promise<void> {
  const args = [
    '-q',
    '-B',
    'dependency:copy-dependencies',
    '-DincludeScope=runtime',
    `-DoutputDirectory=${outputDirectory}`,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('mvn', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (error) =>
      reject(new Error(`Could not run Maven (is mvn on PATH?): ${error.message}`)),
    );
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `mvn ${args.join(' ')} failed (${signal ?? `exit ${code}`}) in ${cwd}:\n${output.trim()}`,
          ),
        );
    });
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function isCode(error: unknown, ...codes: string[]): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    codes.includes(String((error as { code: unknown }).code))
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  ensureKafkaJars(process.argv[2]).then(
    (libs) => console.log(`${libs} (${Date.now() - started} ms)`),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
