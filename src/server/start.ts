// Starting a broker in-process: what `strata serve` and Node test suites call.
import { createLogger, type Logger } from '../logger.js';
import { KafkaServer } from '../network/server.js';
import { AdminServer } from '../admin/server.js';
import { Broker } from './broker.js';
import { ClusterBroker } from './cluster-broker.js';
import { advertisedListenersOf, listenersOf, resolveBrokerConfig, schemaRegistryAddressOf, superUsersOf, type BrokerConfig } from '../config/broker-config.js';
import { SchemaRegistryServer } from '../registry/http-server.js';
import { MetricsHistory } from '../admin/metrics-history.js';
import type { ConsoleExtras } from '../admin/api.js';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root (the folder with package.json), from src/server or dist/src/server. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
import { adminTokens } from './admin-tokens.js';
import { tlsServerOptions, watchTlsFiles } from '../network/tls.js';
import { usesTls } from '../config/listeners.js';

export interface StartOptions extends Partial<BrokerConfig> {
  /** A JSON config file; options given here override it. */
  configFile?: string;
  /** Read STRATA_* variables from this environment (default: none for the API, process.env for the CLI). */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

export interface BoundListener {
  name: string;
  host: string;
  port: number;
  /** "host:port" as bound. */
  address: string;
  server: KafkaServer;
}

export interface RunningBroker<B extends Broker | ClusterBroker = Broker> {
  /** The first listener's address (the only one unless `listeners` names more). */
  host: string;
  port: number;
  /** "host:port", ready for a client's bootstrap servers. */
  address: string;
  broker: B;
  /** The first listener's server. */
  server: KafkaServer;
  /** Every listener, in configuration order. */
  listeners: BoundListener[];
  admin: AdminServer;
  /** The admin HTTP server's port (/metrics, /health, /ready, /api/v1). */
  adminPort: number;
  adminAddress: string;
  /** The schema registry's URL (http://host:port), undefined when --schema-registry-listener is none. */
  schemaRegistryUrl: string | undefined;
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
  const running = await startNode(options);
  if (running.broker instanceof Broker) return running as RunningBroker;
  await running.close();
  throw new Error('startBroker runs a single-node broker; use startNode for cluster mode (--metadata-url)');
}

/** Starts a single-node broker, or a cluster-mode one when the config names a metadata URL. */
export async function startNode(options: StartOptions = {}): Promise<RunningBroker<Broker | ClusterBroker>> {
  const { configFile, env, logger: given, ...overrides } = options;
  const sources: Parameters<typeof resolveBrokerConfig>[0] = { env: env ?? {}, overrides };
  if (configFile !== undefined) sources.file = configFile;
  const config = resolveBrokerConfig(sources);
  const logger = given ?? createLogger(config.logLevel);
  const tokens = adminTokens(config.adminTokenFile); // before anything opens: a bad file stops start-up cleanly
  const adminTlsFiles = { certFile: config.adminSslCertFile, keyFile: config.adminSslKeyFile, caFile: '', clientAuth: 'none' as const };
  const adminTls = config.adminSslCertFile === '' ? undefined : tlsServerOptions(adminTlsFiles);
  const broker: Broker | ClusterBroker = config.metadataUrl === '' ? await Broker.open(config, logger) : await ClusterBroker.open(config, logger);
  const specs = listenersOf(config);
  const advertised = advertisedListenersOf(config);
  const history = new MetricsHistory(broker.metrics);
  const version = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string }).version;
  const extras: ConsoleExtras = { registry: broker.schemas, history, ...(version === undefined ? {} : { version }), listeners: () => broker.cluster.listeners().map((l) => ({ name: l.name, host: l.host, port: l.port })) };
  const admin = new AdminServer({
    services: broker.services, metrics: broker.metrics, extras, consoleDir: join(packageRoot(), 'dist', 'console'),
    ...(tokens === undefined ? {} : { tokens }),
    ...(config.authorizer === 'acl' ? { superUsersOnlyForChanges: superUsersOf(config) } : {}),
    ...(adminTls === undefined ? {} : { tls: adminTls }),
  });
  const registryAddress = schemaRegistryAddressOf(config);
  const registry = registryAddress === undefined ? undefined : new SchemaRegistryServer(broker.schemas, tokens === undefined ? undefined : {
    tokens, ...(config.authorizer === 'acl' ? { superUsers: superUsersOf(config), access: broker.authorizer } : {}),
  });
  let registryUrl: string | undefined;
  const listeners: BoundListener[] = [];
  const stopWatching: Array<() => void> = [];
  const closeListeners = async (): Promise<void> => {
    for (const stop of stopWatching) stop();
    await Promise.all([...listeners.map((l) => l.server.close()), registry?.close()]);
  };
  let adminBound: { host: string; port: number };
  try {
    adminBound = await admin.listen(config.adminHost, config.adminPort);
    if (adminTls !== undefined) {
      stopWatching.push(watchTlsFiles(adminTlsFiles, (o) => {
        admin.setSecureContext(o);
        logger.info('admin API TLS certificates reloaded');
      }, (err) => logger.error({ err }, 'admin API TLS certificates could not be reloaded; the previous ones stay in force')));
    }
    for (const spec of specs) {
      // As Kafka: ssl.client.auth applies to SSL listeners; SASL_SSL clients authenticate with SASL.
      const files = { certFile: config.sslCertFile, keyFile: config.sslKeyFile, caFile: config.sslCaFile, clientAuth: spec.protocol === 'SSL' ? config.sslClientAuth : 'none' as const };
      const tls = usesTls(spec.protocol) ? tlsServerOptions(files) : undefined;
      const server = new KafkaServer(broker.connectionDeps(spec.name), tls);
      if (tls !== undefined) {
        stopWatching.push(watchTlsFiles(files, (o) => {
          server.setSecureContext(o);
          logger.info({ listener: spec.name }, 'TLS certificates reloaded');
        }, (err) => logger.error({ err, listener: spec.name }, 'TLS certificates could not be reloaded; the previous ones stay in force')));
      }
      const bound = await server.listen(spec.host, spec.port);
      listeners.push({ name: spec.name, host: bound.host, port: bound.port, address: `${bound.host}:${bound.port}`, server });
    }
    if (registry !== undefined && registryAddress !== undefined) {
      const bound = await registry.listen(registryAddress.host, registryAddress.port);
      registryUrl = `http://${bound.host.includes(':') ? `[${bound.host}]` : bound.host}:${bound.port}`;
      extras.registryUrl = registryUrl;
    }
  } catch (err) {
    await closeListeners();
    await admin.close();
    await broker.close();
    throw err;
  }
  admin.ready = true;
  history.start();
  for (const [i, l] of listeners.entries()) {
    const a = advertised.get(l.name);
    // The PLAINTEXT shorthand keeps advertisedHost/advertisedPort.
    const host = a?.host ?? (i === 0 && config.listeners === '' ? config.advertisedHost || l.host : l.host);
    const port = a?.port ?? (i === 0 && config.listeners === '' ? config.advertisedPort || l.port : l.port);
    broker.cluster.advertiseListener(l.name, host, port);
  }
  const first = listeners[0]!;
  try {
    await broker.register();
  } catch (err) {
    await closeListeners();
    await admin.close();
    await broker.close();
    throw err;
  }
  logger.info({
    host: first.host, port: first.port, dataDir: config.dataDir, advertised: `${broker.node.host}:${broker.node.port}`,
    listeners: broker.cluster.listeners().map((l) => `${l.name}://${listeners.find((b) => b.name === l.name)?.address ?? '?'} (advertised ${l.host}:${l.port})`),
    schemaRegistry: registryUrl ?? 'none',
    adminPort: adminBound.port,
  }, 'strata broker listening');
  let closing: Promise<void> | undefined;
  return {
    host: first.host,
    port: first.port,
    address: first.address,
    broker,
    server: first.server,
    listeners,
    admin,
    adminPort: adminBound.port,
    adminAddress: `${adminBound.host}:${adminBound.port}`,
    schemaRegistryUrl: registryUrl,
    close: () => {
      closing ??= (async () => {
        admin.ready = false;
        history.stop();
        await closeListeners();
        await broker.close();
        await admin.close();
        logger.info('strata broker stopped');
      })();
      return closing;
    },
  };
}
