import type { SourceAccess } from '../sources/access.js';
import type { EverrunsClient } from '../sources/everruns/client.js';
import type { EverrunsSessionRecord } from '../sources/everruns/to-session.js';
import { type SessionLoader, sessionLoaderFor } from './session-loader.js';

/** The request's loader of Everruns sessions by upstream id (`GET /v1/sessions/{id}`). */
export function loadEverrunsSessionsById(
  everruns: SourceAccess<EverrunsClient>,
  concurrency: number,
): SessionLoader<EverrunsSessionRecord> {
  return sessionLoaderFor(everruns, concurrency);
}
