/**
 * The layers of packages/core/src and what each may import, checked by `pnpm test`
 * (`pnpm lint:layers`). Each folder's README.md says the same in words. A layer may import
 * itself and the layers listed for it; the public entry points (index.ts, channel-api.ts)
 * may import anything. Type-only imports count too: a layer's types are part of it.
 */
const layers = {
  errors: [],
  base: ['errors'],
  contract: ['protocol', 'base', 'errors'],
  protocol: ['base', 'errors'],
  codec: ['protocol', 'base', 'errors'],
  channel: ['protocol', 'base', 'errors'],
  rpc: ['contract', 'codec', 'protocol', 'channel', 'base', 'errors'],
  supervision: ['base', 'errors'],
  worker: ['rpc', 'channel', 'codec', 'contract', 'protocol', 'supervision', 'base', 'errors'],
  serve: ['rpc', 'channel', 'contract', 'protocol', 'base', 'errors'],
  pool: ['worker', 'rpc', 'contract', 'protocol', 'supervision', 'base', 'errors'],
}
const src = '^packages/core/src'
const names = Object.keys(layers)

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles: a cycle means two files are one concern, or a layer imports one above it.',
      from: { path: '^packages/' },
      to: { circular: true },
    },
    ...names.map((layer) => ({
      name: `layer-${layer}`,
      severity: 'error',
      comment: `${layer}/ may import only ${layers[layer].join(', ') || 'nothing else in src'} (see packages/core/src/${layer}/README.md)`,
      from: { path: `${src}/${layer}/` },
      to: { path: `${src}/`, pathNot: [`${src}/(${[layer, ...layers[layer]].join('|')})/`, 'node_modules'] },
    })),
    {
      name: 'layers-only',
      severity: 'error',
      comment: `Every file of packages/core/src belongs to a layer folder (${names.join(', ')}), but for the entry points`,
      from: { path: `${src}/[^/]+\\.ts$`, pathNot: `${src}/(index|channel-api)\\.ts$` },
      to: {},
    },
    {
      name: 'layers-only-imported',
      severity: 'error',
      comment: 'Nothing imports a file of packages/core/src outside the layer folders, but for the entry points',
      from: {},
      to: { path: `${src}/[^/]+\\.ts$`, pathNot: `${src}/(index|channel-api)\\.ts$` },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A file nothing imports and that imports nothing is dead code',
      from: { orphan: true, path: '^packages/[^/]+/src/', pathNot: ['README\\.md$', '\\.d\\.ts$', '^packages/testing/src/fixtures/'] },
      to: {},
    },
    {
      name: 'nats-uses-the-public-api',
      severity: 'error',
      comment: '@forkrpc/nats imports @forkrpc/core by its public entry points only (index, channel), as its users do',
      from: { path: '^packages/nats/src/' },
      to: { path: '^packages/core/(src|dist)/', pathNot: '^packages/core/(src|dist)/(index|channel-api)\\.(ts|js|d\\.ts)$' },
    },
    {
      name: 'tracing-uses-the-public-api',
      severity: 'error',
      comment: '@forkrpc/tracing imports @forkrpc/core by its public entry points only, as its users do',
      from: { path: '^packages/tracing/src/' },
      to: { path: '^packages/core/(src|dist)/', pathNot: '^packages/core/(src|dist)/(index|channel-api)\\.(ts|js|d\\.ts)$' },
    },
    {
      name: 'testing-uses-the-public-api',
      severity: 'error',
      comment: '@forkrpc/testing imports @forkrpc/core by its public entry points only, as its users do',
      from: { path: '^packages/testing/src/' },
      to: { path: '^packages/core/(src|dist)/', pathNot: '^packages/core/(src|dist)/(index|channel-api)\\.(ts|js|d\\.ts)$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'types', 'default'], extensions: ['.ts', '.js', '.d.ts'] },
  },
}
