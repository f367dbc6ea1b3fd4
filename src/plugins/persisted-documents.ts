import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLError, parse } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { z } from 'zod';
import { ConfigError } from '../config.js';
import { log } from '../log.js';

/** Which documents run: `off` any (no ids), `allow` ids and text, `require` ids only, `log` both, text logged. */
export type PersistedMode = 'off' | 'allow' | 'require' | 'log';

/** What a request's persisted-document handling came to, for the metric. */
export type PersistedOutcome = 'manifest' | 'apq' | 'registered' | 'text' | 'refused' | 'not_found';

/** A manifest: document ids (hashes, with or without `sha256:`) to document text. */
const manifestSchema = z.record(z.string().min(1).max(200), z.string().min(1));

/** Most APQ registrations kept (oldest dropped first): clients re-register what falls out. */
const MAX_REGISTERED = 5_000;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const bare = (id: string) => (id.startsWith('sha256:') ? id.slice('sha256:'.length) : id);

/** Where a request names its document: the GraphQL-over-HTTP draft's `documentId`, Relay's `doc_id`, APQ's hash. */
export interface DocumentRequest {
  readonly query?: string | null | undefined;
  readonly documentId?: unknown;
  readonly doc_id?: unknown;
  readonly extensions?: unknown;
}

function apqHash(extensions: unknown): string | null {
  if (typeof extensions !== 'object' || extensions === null) return null;
  const persisted: unknown = Reflect.get(extensions, 'persistedQuery');
  if (typeof persisted !== 'object' || persisted === null) return null;
  const hash: unknown = Reflect.get(persisted, 'sha256Hash');
  return Reflect.get(persisted, 'version') === 1 && typeof hash === 'string' ? hash : null;
}

/** The document id a request carries, and whether it came the APQ way; null when none. */
export function documentIdOf(request: DocumentRequest, search?: URLSearchParams): { id: string; apq: boolean } | null {
  const named = [request.documentId, request.doc_id, search?.get('documentId'), search?.get('doc_id')].find(
    (value): value is string => typeof value === 'string' && value.length > 0,
  );
  if (named) return { id: named, apq: false };
  const hash = apqHash(request.extensions);
  return hash ? { id: hash, apq: true } : null;
}

/**
 * The trusted-documents store and policy: the manifest (codegen's client-preset
 * `persisted-documents.json` or relay-compiler's persisted queries, both a flat id-to-text JSON
 * object), APQ registrations when the mode lets text run, and the mode. Yoga's
 * persisted-operations plugin applies it to HTTP (POST, GET, SSE); the WebSocket transport asks
 * `resolve` directly, since Yoga's `onParams` does not run there.
 */
export class PersistedDocuments {
  private readonly manifest = new Map<string, string>();
  private readonly registered = new Map<string, string>();

  constructor(
    readonly mode: PersistedMode,
    manifest: Readonly<Record<string, string>>,
    private readonly count: (outcome: PersistedOutcome) => void = () => undefined,
  ) {
    for (const [id, text] of Object.entries(manifest)) this.manifest.set(bare(id), text);
  }

  /**
   * Reads and checks a manifest file: every document must parse.
   * @throws ConfigError naming the file's problem (never its path or contents)
   */
  static load(mode: PersistedMode, path: string | null, count?: (outcome: PersistedOutcome) => void) {
    if (path === null) return new PersistedDocuments(mode, {}, count);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      // The path is configuration: the message names the variable and the kind of failure, not the value.
      const reason = error instanceof SyntaxError ? 'is not JSON' : 'cannot be read';
      throw new ConfigError(`PERSISTED_DOCUMENTS: the manifest file ${reason}`);
    }
    const parsed = manifestSchema.safeParse(json);
    if (!parsed.success)
      throw new ConfigError('PERSISTED_DOCUMENTS must be a JSON object of document ids to document text');
    for (const [id, text] of Object.entries(parsed.data)) {
      try {
        parse(text);
      } catch {
        throw new ConfigError(`PERSISTED_DOCUMENTS: the document "${id}" does not parse`);
      }
    }
    return new PersistedDocuments(mode, parsed.data, count);
  }

  /** Whether documents sent as text run. */
  get allowsText(): boolean {
    return this.mode !== 'require';
  }

  /** Documents in the manifest. */
  get size(): number {
    return this.manifest.size;
  }

  /** The text of a document id: the manifest's, or (text modes) an APQ registration; null when unknown. */
  lookup(id: string): string | null {
    const key = bare(id);
    const known = this.manifest.get(key);
    if (known !== undefined) {
      this.count('manifest');
      return known;
    }
    const registered = this.allowsText ? this.registered.get(key) : undefined;
    if (registered !== undefined) {
      this.count('apq');
      return registered;
    }
    this.count('not_found');
    return null;
  }

  /**
   * A document sent as text: refused in `require` mode; in the others it runs, is registered when
   * it came with its APQ hash (and the hash matches), and in `log` mode is logged and counted.
   * @throws GraphQLError `PERSISTED_DOCUMENT_REQUIRED` in `require` mode
   */
  acceptText(query: string, request: DocumentRequest, operationName: string | null | undefined): void {
    if (!this.allowsText) {
      this.count('refused');
      throw documentRequired();
    }
    const hash = apqHash(request.extensions);
    if (hash !== null && bare(hash) === sha256(query) && !this.manifest.has(bare(hash))) {
      if (this.registered.size >= MAX_REGISTERED) {
        const oldest = this.registered.keys().next().value;
        if (oldest !== undefined) this.registered.delete(oldest);
      }
      this.registered.set(bare(hash), query);
      this.count('registered');
      return;
    }
    this.count('text');
    if (this.mode === 'log') {
      log('info', 'document outside the manifest', {
        operation: operationName ?? null,
        documentId: `sha256:${sha256(query)}`,
      });
    }
  }

  /**
   * The text to run for a request over a transport where Yoga's plugin does not run (WebSocket).
   * @throws GraphQLError as the HTTP path answers: required, not found, or no document
   */
  resolve(request: DocumentRequest, operationName: string | null | undefined): string {
    if (this.mode !== 'off') {
      const named = request.query ? null : documentIdOf(request);
      if (named) {
        const text = this.lookup(named.id);
        if (text === null) throw documentNotFound(named.apq && this.allowsText);
        return text;
      }
      if (request.query) this.acceptText(request.query, request, operationName);
    }
    if (!request.query) throw noDocument();
    return request.query;
  }
}

function documentRequired(): GraphQLError {
  return new GraphQLError(
    'This gateway runs only its trusted documents: send the document’s id as `documentId` (or `doc_id`, or APQ’s `extensions.persistedQuery.sha256Hash`) instead of `query`.',
    { extensions: { code: 'PERSISTED_DOCUMENT_REQUIRED', http: { status: 400 } } },
  );
}

function documentNotFound(apq: boolean): GraphQLError {
  // Apollo Client's persisted-queries link resends the text when it reads this exact message.
  const message = apq
    ? 'PersistedQueryNotFound'
    : 'No trusted document has this id: regenerate the manifest (PERSISTED_DOCUMENTS) with your client’s build, or check the id.';
  return new GraphQLError(message, { extensions: { code: 'PERSISTED_DOCUMENT_NOT_FOUND', http: { status: 400 } } });
}

function noDocument(): GraphQLError {
  return new GraphQLError('Send a document: `query` (its text) or `documentId`.', {
    extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
  });
}

/** Yoga's persisted-operations plugin over the store; nothing when the mode is `off`. */
export function usePersistedDocuments(documents: PersistedDocuments): Plugin[] {
  if (documents.mode === 'off') return [];
  const searchOf = (request: Request) => {
    if (request.method !== 'GET') return undefined;
    const at = request.url.indexOf('?');
    return at < 0 ? undefined : new URLSearchParams(request.url.slice(at + 1));
  };
  const named = (params: GraphQLParams, request: Request) => documentIdOf(params, searchOf(request));
  return [
    {
      // Text documents: refused, registered, or logged before the plugin lets them through.
      onParams({ params }) {
        // A `query` that is not a string is Yoga's to refuse (400), as without this plugin.
        if (typeof params.query === 'string' && params.query)
          documents.acceptText(params.query, params, params.operationName);
      },
    },
    usePersistedOperations({
      allowArbitraryOperations: documents.allowsText,
      extractPersistedOperationId: (params, request) => named(params, request)?.id ?? null,
      getPersistedOperation: (id) => documents.lookup(id),
      customErrors: {
        notFound: ({ params, request }) =>
          documentNotFound((named(params, request)?.apq ?? false) && documents.allowsText),
        persistedQueryOnly: () => documentRequired(),
        keyNotFound: () => noDocument(),
      },
    }),
  ];
}
