import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type GraphiQLOptions, renderGraphiQL } from 'graphql-yoga';

/**
 * GraphiQL served entirely by the gateway. Yoga's page loads its scripts and styles from a
 * CDN, which fails on machines without internet access (and leaks the visit to a third
 * party); these are the same files from the `@graphql-yoga/graphiql` package.
 */
export const GRAPHIQL_ASSET_PATH = '/graphiql-assets/';

/** What GraphiQL opens with: the merged feed of every source, which works in demo mode as it stands. */
export const GRAPHIQL_DEFAULT_QUERY = `# sessiongraph: agent sessions of every platform in one graph.
query RecentSessions {
  sessions(first: 10) {
    edges { node { __typename id source title state upstreamStatus createdAt model tokenUsage { inputTokens outputTokens } } }
    pageInfo { hasNextPage endCursor }
    unavailableSources
  }
}
`;

const CDN_PREFIX = /https:\/\/unpkg\.com\/@graphql-yoga\/graphiql@[^/]+\/dist\//g;
const ASSETS: Readonly<Record<string, string>> = {
  'graphiql.css': 'text/css; charset=utf-8',
  'yoga-graphiql.umd.js': 'text/javascript; charset=utf-8',
  'monacoeditorwork/editor.worker.bundle.js': 'text/javascript; charset=utf-8',
  'monacoeditorwork/json.worker.bundle.js': 'text/javascript; charset=utf-8',
  'monacoeditorwork/graphql.worker..bundle.js': 'text/javascript; charset=utf-8',
};

const distDirectory = dirname(createRequire(import.meta.url).resolve('@graphql-yoga/graphiql'));
const cache = new Map<string, Buffer>();

/** Yoga's GraphiQL page with asset URLs pointing at this server. */
export function renderLocalGraphiQL(options: GraphiQLOptions): string {
  // GraphiQL 4 opens a fresh editor with `initialQuery`; Yoga only passes `defaultQuery`.
  const withInitialQuery = Object.assign({}, options, { initialQuery: options.defaultQuery });
  return renderGraphiQL(withInitialQuery)
    .replace(CDN_PREFIX, GRAPHIQL_ASSET_PATH)
    .replace(/<link rel=icon[^>]*>/, '');
}

/** The asset at `pathname` (under {@link GRAPHIQL_ASSET_PATH}), or null when it is not one of them. */
export function graphiqlAsset(pathname: string): { body: Buffer; contentType: string } | null {
  if (!pathname.startsWith(GRAPHIQL_ASSET_PATH)) return null;
  const name = pathname.slice(GRAPHIQL_ASSET_PATH.length);
  const contentType = ASSETS[name];
  if (contentType === undefined) return null;
  let body = cache.get(name);
  if (!body) {
    body = readFileSync(join(distDirectory, name));
    cache.set(name, body);
  }
  return { body, contentType };
}
