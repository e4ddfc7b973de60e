import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** How many lines of a JVM's output are kept for error messages. */
export const OUTPUT_TAIL_LINES = 60;

/** A started JVM: the process, why it exited once it did, and its last lines of output. */
export interface JvmProcess {
  child: ChildProcess;
  exited: Promise<string>;
  output: string[];
}

/** Starts `java javaArgs` in `cwd`, every output line to `log`; killed when this process dies. */
export function launchJvm(
  javaArgs: string[],
  cwd: string,
  log: (line: string) => void,
): JvmProcess {
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
