// The layering rule, checked in `npm test` by test/unit/layers.test.ts (and `npm run layers`) over src/ and commands/:
//
//   base      util/ io/ ui/ stats/ types.ts errors.ts workspace.ts labels.ts
//   core      pure: ml/ pipeline/ onnx/ explain/ (math, metrics, spec → SQL, ONNX, explanations),
//             registry/gate + verdict, decide/policy + optimize + trust + shadow, eval's score tables,
//             monitor/drift, explore/stats
//   stores    datasets/ features/ holdouts/ registry/ decide/ review/ online/ (each owns its layout)
//   ops       ops/: one file per command use case; score/, scorer/ and streams/ (the score engine)
//   commands  commands/, base.ts, hooks/
//
// A module may import from its own layer and the layers above it in this list, never from one below;
// no import cycle between modules or between folders. Type-only imports and import() count as imports.
// import() loads only the heavy optional runtimes, never one of dictl's own modules (but the Arrow adapter).
const BASE = '^src/(util|io|ui|stats)/|^src/(types|errors|workspace|labels)\\.ts$';
const CORE =
  '^src/(ml|pipeline|onnx|explain)/|^src/registry/(gate|verdict)\\.ts$|^src/decide/(policy|optimize|trust|shadow)\\.ts$' +
  '|^src/eval/(curves|evaluation|score)\\.ts$|^src/monitor/drift\\.ts$|^src/explore/stats\\.ts$';
const STORES = '^src/(datasets|features|holdouts|registry|decide|review|online|eval|explore|monitor|examples)/';
const OPS = '^src/(ops|score|scorer|streams)/';
const COMMANDS = '^commands/|^src/base\\.ts$|^src/hooks/';

module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'an import cycle between modules (type-only and import() included)',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycle',
      severity: 'error',
      comment: 'folders import each other (directly or around a loop)',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'base-imports-base',
      severity: 'error',
      comment: 'util, io, ui, stats and the top-level types sit under everything: they import only each other',
      from: { path: BASE },
      to: { path: '^(src|commands)/', pathNot: BASE },
    },
    {
      name: 'core-is-pure',
      severity: 'error',
      comment: 'the pure core (math, metrics, spec → SQL, ONNX, explanations, policies, gate) reads no store and runs no use case',
      from: { path: CORE },
      to: { path: `${STORES}|${OPS}|${COMMANDS}`, pathNot: `${CORE}|${BASE}` },
    },
    {
      name: 'stores-below-ops',
      severity: 'error',
      comment: 'a store (datasets, features, holdouts, registry, decisions, reviews) calls no use case and no command',
      from: { path: STORES, pathNot: CORE },
      to: { path: `${OPS}|${COMMANDS}` },
    },
    {
      name: 'ops-below-commands',
      severity: 'error',
      comment: 'use cases know nothing of the CLI (oclif, flags, rendering of a command)',
      from: { path: OPS },
      to: { path: COMMANDS },
    },
    {
      name: 'no-lazy-own-module',
      severity: 'error',
      comment: "import() is for the heavy optional runtimes (onnxruntime, ioredis, kafkajs, DuckDB's binding, avsc) and the Arrow adapter that holds apache-arrow; dictl's own modules are imported statically",
      from: {},
      to: { dynamic: true, path: '^(src|commands)/', pathNot: '^src/score/arrow\\.ts$' },
    },
    {
      name: 'commands-are-leaves',
      severity: 'error',
      comment: 'nothing imports a command',
      from: {},
      to: { path: '^commands/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/|\\.py$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
