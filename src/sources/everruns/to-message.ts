import { joinText, type MessagePartRecord, type MessageRecord, stringOr } from '../conversation.js';
import { rfc3339ToMicros, toUtcText } from '../time.js';
import type { EverrunsContentPartPayload, EverrunsMessagePayload } from './payload.js';

/**
 * Everruns' content parts (`ContentPart` in its API document): text, image, image_file,
 * tool_call and tool_result. A part of another type, or a known type missing its fields, is
 * served whole as an OTHER part.
 */
function toPart(part: EverrunsContentPartPayload): MessagePartRecord {
  switch (part.type) {
    case 'text':
      if (typeof part.text === 'string') return { kind: 'TEXT', text: part.text };
      break;
    case 'tool_call':
      if (typeof part.name === 'string') {
        return { kind: 'TOOL_CALL', toolCallId: stringOr(part.id), name: part.name, arguments: part.arguments ?? null };
      }
      break;
    case 'tool_result': {
      const error = stringOr(part.error);
      return {
        kind: 'TOOL_RESULT',
        toolCallId: stringOr(part.tool_call_id),
        result: part.result ?? null,
        error,
        isError: error !== null,
      };
    }
    case 'image':
      return {
        kind: 'IMAGE',
        url: stringOr(part.url),
        mediaType: stringOr(part.media_type),
        data: stringOr(part.base64),
        imageId: null,
        filename: null,
      };
    case 'image_file':
      if (typeof part.image_id === 'string') {
        return {
          kind: 'IMAGE',
          url: null,
          mediaType: null,
          data: null,
          imageId: part.image_id,
          filename: stringOr(part.filename),
        };
      }
      break;
  }
  return { kind: 'OTHER', type: part.type, raw: part };
}

/**
 * Maps a validated Everruns message to the gateway's record (times as UTC text at microsecond
 * precision). Everruns has no error flag on a message: one holding a failed tool result is an error.
 */
export function toEverrunsMessage(sessionId: string, payload: EverrunsMessagePayload): MessageRecord {
  const parts = payload.content.map(toPart);
  return {
    source: 'EVERRUNS',
    sessionId,
    sourceId: payload.id,
    upstreamRole: payload.role,
    parts,
    text: joinText(parts),
    createdAt: toUtcText(payload.created_at),
    createdAtMicros: rfc3339ToMicros(payload.created_at),
    isError: parts.some((part) => part.kind === 'TOOL_RESULT' && part.isError),
  };
}
