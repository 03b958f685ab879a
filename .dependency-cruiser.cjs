// Layering rules, checked by `npm run lint` (dependency-cruiser) in CI. The layers, from the
// bottom: protocol (codecs) and config → services (interfaces only) → handlers and admin
// routes (use services) / network (connections, the request pipeline) → implementations
// (broker, storage, tier, writer, group, pool, metrics) → server (the composition root) →
// cli and the public index. See docs/architecture.md.
const IMPLEMENTATIONS = '^src/(broker|cluster|storage|tier|writer|group|transactions|registry|pool|metrics|native|ring|security|server|cli|client)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make modules impossible to understand or test alone.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'handlers-see-interfaces',
      severity: 'error',
      comment: 'Request handlers and admin routes see services as interfaces (src/services), never an implementation.',
      from: { path: '^src/(handlers|admin)/' },
      to: { path: IMPLEMENTATIONS, pathNot: '^src/native/index\\.ts$|^src/native/durable-append\\.ts$' },
    },
    {
      name: 'handlers-no-network',
      severity: 'error',
      comment: 'Handlers are sans-io: they never see sockets or connections.',
      from: { path: '^src/handlers/' },
      to: { path: '^src/(network|admin)/' },
    },
    {
      name: 'network-sees-interfaces',
      severity: 'error',
      comment: 'Connections and pipeline stages see handlers and services through interfaces.',
      from: { path: '^src/network/' },
      to: { path: '^src/(broker|cluster|storage|tier|writer|group|transactions|registry|pool|metrics|security|server|admin)/' },
    },
    {
      name: 'protocol-is-the-bottom',
      severity: 'error',
      comment: 'The protocol layer (codecs, record batches) imports nothing from storage or the broker.',
      from: { path: '^src/protocol/' },
      to: { path: '^src/(storage|broker|tier|writer|group|pool|metrics|server|network|handlers|admin|services|config|cli|client)/' },
    },
    {
      name: 'services-are-interfaces',
      severity: 'error',
      comment: 'src/services holds interfaces and pure helpers: it may use only protocol types, config types and errors.',
      from: { path: '^src/services/' },
      to: { path: '^src/', pathNot: '^src/(services|protocol|config)/|^src/errors\\.ts$|^src/logger\\.ts$' },
    },
    {
      name: 'config-is-plain-data',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: '^src/(config|protocol)/|^src/errors\\.ts$' },
    },
    {
      name: 'only-entry-points-import-the-root',
      severity: 'error',
      comment: 'Only the CLI and the public index import the composition root (src/server); nothing below it does.',
      from: { path: '^src/', pathNot: '^src/(server|cli)/|^src/index\\.ts$' },
      to: { path: '^src/server/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|native/target)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
