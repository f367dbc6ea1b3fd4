import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
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

/** Yoga's GraphiQL page with asset URLs pointing at this server. */
export function renderLocalGraphiQL(options: GraphiQLOptions): string {
  // GraphiQL 4 opens a fresh editor with `initialQuery`; Yoga only passes `defaultQuery`.
  const withInitialQuery = Object.assign({}, options, { initialQuery: options.defaultQuery });
  return (
    renderGraphiQL(withInitialQuery)
      .replace(CDN_PREFIX, GRAPHIQL_ASSET_PATH)
      .replace(/<link rel=icon[^>]*>/, '')
      // Yoga fills in only the first of the page's two title placeholders, not the one shown while loading.
      .replace('Loading __TITLE__...', `Loading ${escapeHtml(options.title ?? 'Yoga GraphiQL')}...`)
  );
}

/** Text as HTML (Yoga puts the title into `<title>` as it is; ours has nothing to escape). */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** How an asset is sent: brotli, gzip, or as it is. */
export type AssetEncoding = 'br' | 'gzip' | 'identity';

const compressWith: Readonly<Record<Exclude<AssetEncoding, 'identity'>, (body: Uint8Array) => Promise<Buffer>>> = {
  // Quality 5: within 4% of 9's size at a third of its time (1.3 MB for the 5.3 MB script in 0.2 s).
  br: (body) =>
    promisify(brotliCompress)(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 5,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength,
      },
    }),
  gzip: (body) => promisify(gzip)(body, { level: constants.Z_BEST_COMPRESSION }),
};

/** Each asset's bytes per encoding, made once per process on first request (off the event loop). */
const cache = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();

/**
 * The encoding to send for an `accept-encoding` header: brotli, else gzip, else none. A coding
 * with `q=0` is refused; `*` stands for any not named.
 */
export function assetEncoding(header: string | null): AssetEncoding {
  const weights = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name = '', ...params] = part.split(';').map((piece) => piece.trim().toLowerCase());
    const q = params.find((param) => param.startsWith('q='));
    weights.set(name, q === undefined ? 1 : Number(q.slice(2)));
  }
  const accepts = (coding: string) => (weights.get(coding) ?? weights.get('*') ?? 0) > 0;
  return accepts('br') ? 'br' : accepts('gzip') ? 'gzip' : 'identity';
}

/** An asset's bytes in an encoding, cached. */
function encoded(name: string, encoding: AssetEncoding): Promise<Uint8Array<ArrayBuffer>> {
  const key = `${encoding} ${name}`;
  let body = cache.get(key);
  if (!body) {
    body =
      encoding === 'identity'
        ? Promise.resolve(new Uint8Array(readFileSync(join(distDirectory, name))))
        : encoded(name, 'identity')
            .then(compressWith[encoding])
            .then((bytes) => new Uint8Array(bytes));
    // A failure is not kept: the next request tries again.
    body.catch(() => cache.delete(key));
    cache.set(key, body);
  }
  return body;
}

/**
 * The asset at `pathname` (under {@link GRAPHIQL_ASSET_PATH}) as a client sending `acceptEncoding`
 * gets it, or null when it is not one of them.
 */
export function graphiqlAsset(
  pathname: string,
  acceptEncoding: string | null,
): { body: Promise<Uint8Array<ArrayBuffer>>; contentType: string; encoding: AssetEncoding } | null {
  if (!pathname.startsWith(GRAPHIQL_ASSET_PATH)) return null;
  const name = pathname.slice(GRAPHIQL_ASSET_PATH.length);
  const contentType = ASSETS[name];
  if (contentType === undefined) return null;
  const encoding = assetEncoding(acceptEncoding);
  return { body: encoded(name, encoding), contentType, encoding };
}
