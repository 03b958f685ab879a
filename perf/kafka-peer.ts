// Apache Kafka 4.1.1 as a peer for the perf tools: a single KRaft node (broker and
// controller in one JVM) run from the Maven Central jars the Kafka tools test already
// fetches (mvn -f test/kafka-tools/pom.xml dependency:copy-dependencies
// -DoutputDirectory=target/lib). Replication factor 1 for its internal topics, as on one
// machine; otherwise Kafka's defaults (no fsync per write: it relies on replication).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from './broker-process.js';

export const kafkaLib = join(repoRoot, 'test', 'kafka-tools', 'target', 'lib');

export interface KafkaPeer {
  pid: number;
  port: number;
  stop(): Promise<void>;
}

export function hasKafkaPeer(): boolean {
  return existsSync(join(kafkaLib, 'kafka_2.13-4.1.1.jar'));
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Formats a data directory under `dir` and starts the node on `port` (its controller on port + 1). */
export async function startKafkaPeer(dir: string, port: number, heapMiB = 1024): Promise<KafkaPeer> {
  mkdirSync(dir, { recursive: true });
  const props = join(dir, 'server.properties');
  writeFileSync(props, [
    'process.roles=broker,controller', 'node.id=1', `controller.quorum.voters=1@127.0.0.1:${port + 1}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${port + 1}`, `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER', 'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${join(dir, 'logs')}`, 'offsets.topic.replication.factor=1', 'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1', 'group.initial.rebalance.delay.ms=0', '',
  ].join('\n'));
  const cp = join(kafkaLib, '*');
  const uuid = spawnSync('java', ['-cp', cp, 'kafka.tools.StorageTool', 'random-uuid'], { encoding: 'utf8' }).stdout.trim();
  const format = spawnSync('java', ['-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', uuid, '-c', props], { encoding: 'utf8' });
  if (format.status !== 0) throw new Error(`kafka-storage format failed: ${format.stderr}`);
  const p = spawn('java', [`-Xmx${heapMiB}m`, `-Xms${heapMiB}m`, '-cp', cp, 'kafka.Kafka', props], { stdio: 'ignore' });
  const deadline = Date.now() + 60_000;
  while (!(await listening(port))) {
    if (p.exitCode !== null || Date.now() > deadline) {
      p.kill('SIGKILL');
      throw new Error('the Kafka peer did not start');
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { pid: p.pid!, port, stop: () => new Promise((r) => { if (p.exitCode !== null) return r(); p.once('exit', () => r()); p.kill('SIGTERM'); }) };
}
