// Starting a broker in-process: what `strata serve` and Node test suites call.
import { createLogger, type Logger } from '../logger.js';
import { KafkaServer } from '../network/server.js';
import { AdminServer } from '../admin/server.js';
import { Broker } from './broker.js';
import { resolveBrokerConfig, type BrokerConfig } from '../config/broker-config.js';

export interface StartOptions extends Partial<BrokerConfig> {
  /** A JSON config file; options given here override it. */
  configFile?: string;
  /** Read STRATA_* variables from this environment (default: none for the API, process.env for the CLI). */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

export interface RunningBroker {
  host: string;
  port: number;
  /** "host:port", ready for a client's bootstrap servers. */
  address: string;
  broker: Broker;
  server: KafkaServer;
  admin: AdminServer;
  /** The admin HTTP server's port (/metrics, /health, /ready, /api/v1). */
  adminPort: number;
  adminAddress: string;
  /** Graceful stop: stop accepting, finish in-flight requests, flush and close every log. */
  close(): Promise<void>;
}

/**
 * Starts a Kafka-compatible broker inside this process.
 *
 *   const kafka = await startBroker({ port: 0, dataDir: './tmp-kafka' });
 *   // ... new Kafka({ brokers: [kafka.address] }) ...
 *   await kafka.close();
 */
export async function startBroker(options: StartOptions = {}): Promise<RunningBroker> {
  const { configFile, env, logger: given, ...overrides } = options;
  const sources: Parameters<typeof resolveBrokerConfig>[0] = { env: env ?? {}, overrides };
  if (configFile !== undefined) sources.file = configFile;
  const config = resolveBrokerConfig(sources);
  const logger = given ?? createLogger(config.logLevel);
  const broker = await Broker.open(config, logger);
  const server = new KafkaServer(broker.connectionDeps());
  const admin = new AdminServer({ services: broker.services, metrics: broker.metrics });
  let bound: { host: string; port: number };
  let adminBound: { host: string; port: number };
  try {
    adminBound = await admin.listen(config.adminHost, config.adminPort);
    bound = await server.listen(config.host, config.port);
  } catch (err) {
    await admin.close();
    await broker.close();
    throw err;
  }
  admin.ready = true;
  broker.node = { nodeId: config.nodeId, host: config.advertisedHost || bound.host, port: config.advertisedPort || bound.port };
  try {
    await broker.register();
  } catch (err) {
    await server.close();
    await admin.close();
    await broker.close();
    throw err;
  }
  logger.info({ host: bound.host, port: bound.port, dataDir: config.dataDir, advertised: `${broker.node.host}:${broker.node.port}`, adminPort: adminBound.port }, 'strata broker listening');
  let closing: Promise<void> | undefined;
  return {
    host: bound.host,
    port: bound.port,
    address: `${bound.host}:${bound.port}`,
    broker,
    server,
    admin,
    adminPort: adminBound.port,
    adminAddress: `${adminBound.host}:${adminBound.port}`,
    close: () => {
      closing ??= (async () => {
        admin.ready = false;
        await server.close();
        await broker.close();
        await admin.close();
        logger.info('strata broker stopped');
      })();
      return closing;
    },
  };
}
