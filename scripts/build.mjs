// Builds dist/main.js for `npm start`: one ES module with our code, dependencies left to
// node_modules. Plain Node then runs it: no TypeScript loader (and its worker thread) in production.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/main.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
