import type { SourceAccess } from '../sources/access.js';
import type { FactoryClient } from '../sources/factory/client.js';
import type { FactorySessionRecord } from '../sources/factory/to-session.js';
import { type SessionLoader, sessionLoaderFor } from './session-loader.js';

/** The request's loader of Factory sessions by upstream id (`GET /api/v0/sessions/{id}`). */
export function loadFactorySessionsById(
  factory: SourceAccess<FactoryClient>,
  concurrency: number,
): SessionLoader<FactorySessionRecord> {
  return sessionLoaderFor(factory, concurrency);
}
