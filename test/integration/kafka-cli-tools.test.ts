// Kafka's own command-line tools against Strata, from their Maven Central jars
// (test/kafka-tools/pom.xml): kafka-configs (kafka.admin.ConfigCommand) makes a SCRAM user
// and sets, describes and deletes quotas; kafka-acls (org.apache.kafka.tools.AclCommand)
// adds, lists and removes ACLs. The user it made then logs in with kafkajs and is allowed
// exactly what the ACLs say. Runs as Kafka's operators run them: bootstrap server and a
// --command-config with the super user's SASL settings.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/server/start.js';
import { root, testBroker } from '../helpers/broker.js';
import { hasTool, runWith } from '../helpers/tools.js';

const lib = join(root, 'test', 'kafka-tools', 'target', 'lib');
const available = existsSync(join(lib, 'kafka_2.13-4.1.1.jar')) && hasTool('java', ['-version']);

function tool(mainClass: string, args: string[], input?: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('java', ['-cp', join(lib, '*'), mainClass, ...args], { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (input !== undefined) p.stdin!.end(input);
    let out = '';
    p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe.runIf(runWith(available))('Kafka CLI tools (kafka-configs, kafka-acls)', () => {
  let running: RunningBroker;
  let dir: string;
  let admin: string[];
  const configs = (...args: string[]) => tool('kafka.admin.ConfigCommand', [...admin, ...args]);
  const acls = (...args: string[]) => tool('org.apache.kafka.tools.AclCommand', [...admin, ...args]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-cli-tools-'));
    running = await testBroker(join(dir, 'data'), {
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0', authorizer: 'acl', superUsers: 'User:admin', bootstrapUser: 'admin:admin-secret', autoCreateTopics: true,
    });
    const props = join(dir, 'admin.properties');
    writeFileSync(props, [
      'security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=SCRAM-SHA-512',
      'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="admin-secret";',
    ].join('\n'));
    admin = ['--bootstrap-server', `127.0.0.1:${running.listeners[0]!.port}`, '--command-config', props];
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('kafka-configs: adds a SCRAM user, sets quotas for users, clients and defaults, describes and deletes them', async () => {
    let r = await configs('--alter', '--add-config', 'SCRAM-SHA-256=[iterations=8192,password=alice-secret]', '--entity-type', 'users', '--entity-name', 'alice');
    expect(r.out).toContain('Completed updating config for user alice.');
    expect(r.code).toBe(0);
    expect((await configs('--alter', '--add-config', 'producer_byte_rate=1048576,consumer_byte_rate=2097152', '--entity-type', 'users', '--entity-name', 'alice')).code).toBe(0);
    expect((await configs('--alter', '--add-config', 'request_percentage=200', '--entity-type', 'users', '--entity-default')).code).toBe(0);
    expect((await configs('--alter', '--add-config', 'producer_byte_rate=5000', '--entity-type', 'users', '--entity-name', 'alice', '--entity-type', 'clients', '--entity-name', 'app1')).code).toBe(0);
    expect((await configs('--alter', '--add-config', 'consumer_byte_rate=7000', '--entity-type', 'clients', '--entity-default')).code).toBe(0);
    r = await configs('--describe', '--entity-type', 'users');
    expect(r.out).toContain("Quota configs for user-principal 'alice' are consumer_byte_rate=2097152.0, producer_byte_rate=1048576.0");
    expect(r.out).toContain('Quota configs for the default user-principal are request_percentage=200.0');
    expect(r.out).toContain("SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=8192");
    r = await configs('--describe', '--entity-type', 'users', '--entity-name', 'alice', '--entity-type', 'clients');
    expect(r.out).toContain("Quota configs for user-principal 'alice', client-id 'app1' are producer_byte_rate=5000.0");
    r = await configs('--describe', '--entity-type', 'clients');
    expect(r.out).toContain('Quota configs for the default client-id are consumer_byte_rate=7000.0');
    expect((await configs('--alter', '--delete-config', 'consumer_byte_rate', '--entity-type', 'users', '--entity-name', 'alice')).code).toBe(0);
    r = await configs('--describe', '--entity-type', 'users', '--entity-name', 'alice');
    expect(r.out).toContain("Quota configs for user-principal 'alice' are producer_byte_rate=1048576.0");
    // An unknown quota key is refused with Kafka's error, and the tool exits non-zero.
    r = await configs('--alter', '--add-config', 'bogus_rate=5', '--entity-type', 'users', '--entity-name', 'alice');
    expect(r.code).not.toBe(0);
  }, 120_000);

  it('kafka-acls: adds, lists and removes ACLs, and the user is allowed exactly what they say', async () => {
    let r = await acls('--add', '--allow-principal', 'User:alice', '--operation', 'Read', '--operation', 'Write', '--topic', 'orders');
    expect(r.code).toBe(0);
    expect((await acls('--add', '--allow-principal', 'User:alice', '--operation', 'Read', '--group', 'app', '--resource-pattern-type', 'prefixed')).code).toBe(0);
    expect((await acls('--add', '--producer', '--allow-principal', 'User:bob', '--topic', 'team-', '--resource-pattern-type', 'prefixed')).code).toBe(0);
    r = await acls('--list', '--topic', 'orders');
    expect(r.out).toContain('ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)');
    expect(r.out).toContain('(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW)');
    expect(r.out).toContain('(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)');
    r = await acls('--list');
    expect(r.out).toContain('ResourcePattern(resourceType=TOPIC, name=team-, patternType=PREFIXED)');
    expect(r.out).toContain('(principal=User:bob, host=*, operation=CREATE, permissionType=ALLOW)');

    // alice, with the SCRAM credential kafka-configs made, over kafkajs.
    const kafka = new Kafka({
      clientId: 'alice-app', brokers: [`127.0.0.1:${running.listeners[0]!.port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 },
      sasl: { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-secret' },
    });
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    try {
      // The topic does not exist and alice may not create it: auto-creation is refused as in Kafka.
      await expect(producer.send({ topic: 'orders', messages: [{ value: 'ok' }] })).rejects.toThrow(/not authorized|Authorization/i);
      expect((await acls('--add', '--allow-principal', 'User:alice', '--operation', 'Create', '--topic', 'orders')).code).toBe(0);
      const sent = await producer.send({ topic: 'orders', messages: [{ value: 'ok' }] });
      expect(sent[0]!.errorCode).toBe(0);
      await expect(producer.send({ topic: 'forbidden', messages: [{ value: 'no' }] })).rejects.toThrow(/not authorized|Authorization/i);
    } finally {
      await producer.disconnect();
    }

    r = await acls('--remove', '--force', '--allow-principal', 'User:alice', '--operation', 'Write', '--topic', 'orders');
    expect(r.code).toBe(0);
    r = await acls('--list', '--principal', 'User:alice');
    expect(r.out).not.toContain('operation=WRITE');
    expect(r.out).toContain('operation=READ');
    // Not a super user: alice may not manage ACLs.
    const aliceProps = join(dir, 'alice.properties');
    writeFileSync(aliceProps, [
      'security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=SCRAM-SHA-256',
      'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="alice-secret";',
    ].join('\n'));
    r = await tool('org.apache.kafka.tools.AclCommand', ['--bootstrap-server', admin[1]!, '--command-config', aliceProps, '--add', '--allow-principal', 'User:alice', '--operation', 'All', '--cluster']);
    expect(r.out).toMatch(/ClusterAuthorizationException|not authorized/i);
  }, 180_000);
});

describe.runIf(runWith(available))('Kafka CLI tools (topics, console clients, consumer groups, log dirs, offsets)', () => {
  let running: RunningBroker;
  let dir: string;
  let bootstrap: string[];
  const run = (mainClass: string, args: string[], input?: string) => tool(mainClass, [...bootstrap, ...args], input);
  const topics = (...args: string[]) => run('org.apache.kafka.tools.TopicCommand', args);
  const groups = (...args: string[]) => run('org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', args);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-cli-tools-'));
    running = await testBroker(join(dir, 'data'));
    bootstrap = ['--bootstrap-server', `127.0.0.1:${running.port}`];
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('does what an operator does with them, with the output Kafka gives', async () => {
    let r = await topics('--create', '--topic', 'tools', '--partitions', '3');
    expect(r.out).toContain('Created topic tools.');
    r = await topics('--describe', '--topic', 'tools');
    expect(r.out).toMatch(/Topic: tools\tTopicId: \S+\tPartitionCount: 3\tReplicationFactor: 1/);
    expect(r.out.match(/Partition: \d\tLeader: 1\tReplicas: 1\tIsr: 1/g)).toHaveLength(3);

    r = await run('org.apache.kafka.tools.ConsoleProducer', ['--topic', 'tools', '--property', 'parse.key=true', '--property', 'key.separator=:'], 'k:a\nk:b\nk:c\nk:d\n');
    expect(r.code).toBe(0);
    r = await run('org.apache.kafka.tools.consumer.ConsoleConsumer', ['--topic', 'tools', '--group', 'cg', '--from-beginning', '--max-messages', '4']);
    expect(r.out.split('\n').filter((l) => /^[a-d]$/.test(l)).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(r.out).toContain('Processed a total of 4 messages');

    r = await groups('--describe', '--group', 'cg');
    const lag = r.out.split('\n').filter((l) => l.startsWith('cg ')).map((l) => l.trim().split(/\s+/).slice(2, 6));
    expect(lag).toHaveLength(3);
    expect(lag.every(([, current, end, l]) => current === end && l === '0')).toBe(true);
    const busy = lag.find(([, current]) => current === '4')!;
    expect(busy).toBeDefined();

    // The console producer is idempotent (Kafka's default): its id, epoch 0 and last sequence 3.
    r = await run('org.apache.kafka.tools.TransactionsCommand', ['describe-producers', '--topic', 'tools', '--partition', busy[0]!]);
    expect(r.out).toMatch(/ProducerId\s+ProducerEpoch\s+LatestCoordinatorEpoch\s+LastSequence\s+LastTimestamp\s+CurrentTransactionStartOffset/);
    expect(r.out).toMatch(/\n\d+\s+0\s+-1\s+3\s+\d{13}\s+None/);

    r = await groups('--reset-offsets', '--group', 'cg', '--topic', `tools:${busy[0]}`, '--shift-by', '-3', '--execute');
    expect(r.out).toMatch(new RegExp(`cg\\s+tools\\s+${busy[0]}\\s+1`));
    r = await groups('--describe', '--group', 'cg');
    expect(r.out).toMatch(new RegExp(`cg\\s+tools\\s+${busy[0]}\\s+1\\s+4\\s+3`));
    r = await groups('--reset-offsets', '--group', 'cg', '--topic', 'tools', '--to-datetime', '2020-01-01T00:00:00.000', '--execute');
    expect(r.out).toMatch(new RegExp(`cg\\s+tools\\s+${busy[0]}\\s+0`)); // every record is newer: the first offset
    r = await groups('--reset-offsets', '--group', 'cg', '--topic', 'tools', '--to-earliest', '--execute');
    expect(r.code).toBe(0);

    r = await run('org.apache.kafka.tools.GetOffsetShell', ['--topic', 'tools', '--time', '-1']);
    expect(r.out.trim().split('\n').sort()).toEqual(['tools:0:0', 'tools:1:0', 'tools:2:0'].map((l) => (l === `tools:${busy[0]}:0` ? `tools:${busy[0]}:4` : l)).sort());
    r = await run('org.apache.kafka.tools.GetOffsetShell', ['--topic', 'tools', '--time', '-2']);
    expect(r.out.trim().split('\n').sort()).toEqual(['tools:0:0', 'tools:1:0', 'tools:2:0']);

    r = await run('org.apache.kafka.tools.LogDirsCommand', ['--describe']);
    const json = JSON.parse(r.out.split('\n').find((l) => l.startsWith('{'))!) as { brokers: Array<{ broker: number; logDirs: Array<{ logDir: string; error: string | null; partitions: Array<{ partition: string; size: number }> }> }> };
    expect(json.brokers[0]!.logDirs[0]!.error).toBeNull();
    expect(json.brokers[0]!.logDirs[0]!.partitions.map((p) => p.partition).sort()).toEqual(['tools-0', 'tools-1', 'tools-2']);
    expect(json.brokers[0]!.logDirs[0]!.partitions.find((p) => p.partition === `tools-${busy[0]}`)!.size).toBeGreaterThan(0);

    r = await groups('--delete-offsets', '--group', 'cg', '--topic', 'tools');
    expect(r.out).toContain('Request succeeded for deleting offsets from group cg.');
    expect(r.out.match(/tools\s+\d\s+Successful/g)).toHaveLength(3);
    r = await groups('--list');
    expect(r.out).not.toContain('cg');
    r = await run('org.apache.kafka.tools.consumer.ConsoleConsumer', ['--topic', 'tools', '--group', 'cg2', '--from-beginning', '--max-messages', '1']);
    expect(r.out).toContain('Processed a total of 1 messages');
    r = await groups('--delete', '--group', 'cg2');
    expect(r.out).toContain("Deletion of requested consumer groups ('cg2') was successful.");

    // Features (KIP-584): the KIP-848 group protocol (group.version 1), no transactions.
    r = await run('org.apache.kafka.tools.FeatureCommand', ['describe']);
    expect(r.out).toContain('Feature: group.version\tSupportedMinVersion: 0\tSupportedMaxVersion: 1\tFinalizedVersionLevel: 1');
    expect(r.out).toContain('Feature: transaction.version\tSupportedMinVersion: 0\tSupportedMaxVersion: 2\tFinalizedVersionLevel: 2');

    r = await topics('--alter', '--topic', 'tools', '--partitions', '4');
    expect(r.code).toBe(0);
    r = await topics('--delete', '--topic', 'tools');
    expect(r.code).toBe(0);
    r = await topics('--list');
    expect(r.out).not.toContain('tools');
  }, 240_000);
});
