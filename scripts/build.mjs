// Builds dist/main.js for `npm start`: one minified ES module holding our code and its
// dependencies, run by plain Node (no TypeScript loader and its worker thread in production):
// one compact source instead of a few hundred module files (docs/performance.md, "Bundling").
// No `keepNames`: it renames every closure as it is created, which costs throughput. The source
// map is written beside it for `--enable-source-maps`. `node scripts/build.mjs ENTRY OUTFILE`
// bundles another entry point the same way (an older commit's, for `npm run bench:ab`).
import { basename, dirname } from 'node:path';
import { build } from 'esbuild';

// graphql ships each module as .js (CommonJS) and .mjs: importers reached through `module` take the
// .mjs, so deep imports (`graphql/language/parser`) must too, or the bundle holds two graphql realms.
const graphqlEsm = {
  name: 'graphql-esm',
  setup(build) {
    build.onResolve({ filter: /^graphql(\/|$)/ }, async (args) => {
      if (args.pluginData === 'graphql-esm') return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: 'graphql-esm',
      });
      if (resolved.errors.length > 0 || !resolved.path.endsWith('.js')) return resolved;
      return { path: resolved.path.replace(/\.js$/, '.mjs') };
    });
  },
};

const [entry = 'src/main.ts', outfile = 'dist/main.js'] = process.argv.slice(2);

await build({
  entryPoints: [entry],
  // Split: code reached only through `import()` (tracing) is its own chunk, loaded only when used.
  outdir: dirname(outfile),
  entryNames: basename(outfile, '.js'),
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  // ES modules where a package has them: direct bindings instead of CommonJS interop getters.
  mainFields: ['module', 'main'],
  plugins: [graphqlEsm],
  format: 'esm',
  target: 'node20',
  minify: true,
  // Bundled CommonJS packages still call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  sourcemap: true,
  logLevel: 'warning',
});
