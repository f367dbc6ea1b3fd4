import { joinText, type MessagePartRecord, type MessageRecord, stringOr } from '../conversation.js';
import type { FactoryContentPartPayload, FactoryMessagePayload } from './payload.js';

/**
 * Factory documents only `text` parts (`{type, text?, id?}`); the other kinds follow the
 * Anthropic shapes its agents use (`tool_use`, `tool_result`, `image`). A part that fits none
 * of them, or a known type missing its fields, is served whole as an OTHER part.
 */
function toPart(part: FactoryContentPartPayload): MessagePartRecord {
  switch (part.type) {
    case 'text':
      if (typeof part.text === 'string') return { kind: 'TEXT', text: part.text };
      break;
    case 'tool_use':
    case 'tool_call':
      if (typeof part.name === 'string') {
        return {
          kind: 'TOOL_CALL',
          toolCallId: stringOr(part.id),
          name: part.name,
          arguments: part.input ?? part.arguments ?? null,
        };
      }
      break;
    case 'tool_result': {
      const isError = part.is_error === true || part.isError === true;
      const result = part.content ?? part.result ?? null;
      return {
        kind: 'TOOL_RESULT',
        toolCallId: stringOr(part.tool_use_id) ?? stringOr(part.toolUseId) ?? stringOr(part.toolCallId),
        result,
        error: stringOr(part.error) ?? (isError ? stringOr(result) : null),
        isError: isError || typeof part.error === 'string',
      };
    }
    case 'image': {
      const source = typeof part.source === 'object' && part.source !== null ? part.source : {};
      const data = 'data' in source ? stringOr(source.data) : null;
      const mediaType = 'media_type' in source ? stringOr(source.media_type) : null;
      const url = 'url' in source ? stringOr(source.url) : null;
      return {
        kind: 'IMAGE',
        url: url ?? stringOr(part.url),
        mediaType: mediaType ?? stringOr(part.mediaType),
        data: data ?? stringOr(part.data),
        imageId: stringOr(part.id),
        filename: stringOr(part.name),
      };
    }
  }
  return { kind: 'OTHER', type: part.type, raw: part };
}

/** Maps a validated Factory message to the gateway's record (times in epoch ms, as Factory sends them). */
export function toFactoryMessage(sessionId: string, payload: FactoryMessagePayload): MessageRecord {
  const parts = payload.content.map(toPart);
  return {
    source: 'FACTORY',
    sessionId,
    sourceId: payload.id,
    upstreamRole: payload.role,
    parts,
    text: joinText(parts),
    createdAt: payload.createdAt,
    createdAtMicros: payload.createdAt * 1000,
    isError: payload.isError ?? parts.some((part) => part.kind === 'TOOL_RESULT' && part.isError),
  };
}
