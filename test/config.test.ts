import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('defaults to demo mode on 127.0.0.1:4000', () => {
    const config = loadConfig({});
    expect(config.server).toEqual({ port: 4000, host: '127.0.0.1', demo: true, logLevel: 'info', workers: 1 });
    expect(config.gateway.sources.FACTORY).toBeNull();
    expect(config.gateway.sources.EVERRUNS).toBeNull();
  });

  it('WORKERS=auto is one worker per core Node reports', async () => {
    const { availableParallelism } = await import('node:os');
    expect(loadConfig({ WORKERS: 'auto' }).server.workers).toBe(Math.min(availableParallelism(), 64));
    expect(loadConfig({ WORKERS: '3' }).server.workers).toBe(3);
  });

  it('one base URL turns demo mode off and the other source off', () => {
    const config = loadConfig({
      EVERRUNS_BASE_URL: 'https://app.everruns.com/api/',
      EVERRUNS_API_KEY: 'evr_x',
      FACTORY_API_KEY: '',
    });
    expect(config.server.demo).toBe(false);
    expect(config.gateway.sources.EVERRUNS).toEqual({ baseUrl: 'https://app.everruns.com/api', apiKey: 'evr_x' });
    expect(config.gateway.sources.FACTORY).toBeNull();
  });

  it('CORS_ORIGINS: none by default, a comma-separated list or *, and a coded refusal of anything else', () => {
    expect(loadConfig({}).gateway.corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: ' https://app.example , http://localhost:5173' }).gateway.corsOrigins).toEqual([
      'https://app.example',
      'http://localhost:5173',
    ]);
    expect(loadConfig({ CORS_ORIGINS: '*' }).gateway.corsOrigins).toEqual(['*']);
    expect(() => loadConfig({ CORS_ORIGINS: 'app.example' })).toThrow(/^Invalid configuration: CORS_ORIGINS/);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://app.example/path' })).toThrow(ConfigError);
  });

  it('query limits: MAX_TOKENS and MAX_DIRECTIVES default to 5000 and 50, and can be set', () => {
    expect(loadConfig({}).gateway.limits).toMatchObject({ maxTokens: 5_000, maxDirectives: 50 });
    expect(loadConfig({ MAX_TOKENS: '800', MAX_DIRECTIVES: '4' }).gateway.limits).toMatchObject({
      maxTokens: 800,
      maxDirectives: 4,
    });
    expect(() => loadConfig({ MAX_TOKENS: '0' })).toThrow(/^Invalid configuration: MAX_TOKENS: /);
  });

  it.each([
    [{ PORT: 'eighty' }, /^Invalid configuration: PORT: /],
    [{ FACTORY_BASE_URL: 'ftp://factory' }, /^Invalid configuration: FACTORY_BASE_URL: expected an http\(s\) URL$/],
    [{ UPSTREAM_TIMEOUT_MS: '0' }, /^Invalid configuration: UPSTREAM_TIMEOUT_MS: /],
    [{ GRAPHIQL: 'maybe' }, /^Invalid configuration: GRAPHIQL: expected true or false$/],
    [{ WORKERS: 'many' }, /^Invalid configuration: WORKERS: expected a whole number 1-64 or auto$/],
    [{ WORKERS: '0' }, /^Invalid configuration: WORKERS: Too small: expected number to be >=1$/],
  ])('a bad value stops start-up with one line naming the variable: %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('a value of only whitespace counts as unset, as an empty one does', () => {
    const config = loadConfig({ PORT: ' ', UPSTREAM_RETRIES: '\t', HOST: '  ', FACTORY_API_KEY: '   ' });
    const defaults = loadConfig({});
    expect(config.server).toEqual(defaults.server);
    expect(config.gateway.resilience.retries).toBe(defaults.gateway.resilience.retries);
    expect(config.gateway.sources).toEqual(defaults.gateway.sources);
  });

  it('never echoes a value', () => {
    expect(() => loadConfig({ FACTORY_BASE_URL: 'secret-value-not-a-url' })).toThrow(/^(?!.*secret-value).*$/);
  });
});
