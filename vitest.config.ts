import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // One copy of graphql. Dependencies load it through Node (its CommonJS build, as the
    // package has no "exports"), while Vite would pick its "module" build for our code:
    // two realms, and `instanceof GraphQLError` fails (vitest-dev/vitest#4605).
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
    dedupe: ['graphql'],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
  },
});
