import { GraphQLError, Kind } from 'graphql';
import { epochMsToText, rfc3339ToMicros, toUtcText } from '../sources/time.js';
import { builder, type DateTimeInput } from './builder.js';

function parseDateTime(value: unknown): DateTimeInput {
  const micros = typeof value === 'string' ? rfc3339ToMicros(value) : Number.NaN;
  if (typeof value !== 'string' || Number.isNaN(micros)) {
    throw new GraphQLError(
      'DateTime must be an RFC 3339 string with a time zone, e.g. "2026-11-20T17:45:12.345678Z".',
      {
        extensions: { code: 'BAD_USER_INPUT' },
      },
    );
  }
  return { micros, text: toUtcText(value) };
}

builder.scalarType('DateTime', {
  description:
    'An instant as RFC 3339 text in UTC. Keeps the upstream precision: Everruns sends microseconds, Factory milliseconds.',
  serialize: (value) => (typeof value === 'number' ? epochMsToText(value) : value),
  parseValue: parseDateTime,
  parseLiteral: (node) => parseDateTime(node.kind === Kind.STRING ? node.value : null),
});

function parseSafeInt(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new GraphQLError('SafeInt must be an integer between -(2^53-1) and 2^53-1.', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return value;
}

builder.scalarType('SafeInt', {
  description:
    'An integer that may exceed 32 bits (up to 2^53-1), sent as a JSON number. Token counts use it: they pass 2^31.',
  serialize: (value) => Math.round(value),
  parseValue: parseSafeInt,
  parseLiteral: (node) => parseSafeInt(node.kind === Kind.INT ? Number(node.value) : null),
});

builder.scalarType('JSON', {
  description: 'Arbitrary JSON, passed through as the upstream sent it (capability configuration).',
  serialize: (value) => value,
  parseValue: (value) => value,
});
