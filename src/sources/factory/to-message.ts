import {
  ConversationMessage,
  ImagePart,
  joinText,
  type MessagePartRecord,
  type MessageRecord,
  OtherPart,
  stringOr,
  TextPart,
  ToolCallPart,
  ToolResultPart,
} from '../conversation.js';
import type { FactoryContentPartPayload, FactoryMessagePayload } from './payload.js';

/**
 * Factory documents only `text` parts (`{type, text?, id?}`); the other kinds follow the
 * Anthropic shapes its agents use (`tool_use`, `tool_result`, `image`). A part that fits none
 * of them, or a known type missing its fields, is served whole as an OTHER part.
 */
function toPart(part: FactoryContentPartPayload): MessagePartRecord {
  switch (part.type) {
    case 'text':
      if (typeof part.text === 'string') return new TextPart(part.text);
      break;
    case 'tool_use':
    case 'tool_call':
      if (typeof part.name === 'string') {
        return new ToolCallPart(stringOr(part.id), part.name, part.input ?? part.arguments ?? null);
      }
      break;
    case 'tool_result': {
      const isError = part.is_error === true || part.isError === true;
      const result = part.content ?? part.result ?? null;
      return new ToolResultPart(
        stringOr(part.tool_use_id) ?? stringOr(part.toolUseId) ?? stringOr(part.toolCallId),
        result,
        stringOr(part.error) ?? (isError ? stringOr(result) : null),
        isError || typeof part.error === 'string',
      );
    }
    case 'image': {
      const source = typeof part.source === 'object' && part.source !== null ? part.source : {};
      const data = 'data' in source ? stringOr(source.data) : null;
      const mediaType = 'media_type' in source ? stringOr(source.media_type) : null;
      const url = 'url' in source ? stringOr(source.url) : null;
      return new ImagePart(
        url ?? stringOr(part.url),
        mediaType ?? stringOr(part.mediaType),
        data ?? stringOr(part.data),
        stringOr(part.id),
        stringOr(part.name),
      );
    }
  }
  return new OtherPart(part.type, part);
}

/** Maps a validated Factory message to the gateway's record (times in epoch ms, as Factory sends them). */
export function toFactoryMessage(sessionId: string, payload: FactoryMessagePayload): MessageRecord {
  const parts = payload.content.map(toPart);
  return new ConversationMessage(
    'FACTORY',
    sessionId,
    payload.id,
    payload.role,
    parts,
    joinText(parts),
    payload.createdAt,
    payload.isError ?? parts.some((part) => part.kind === 'TOOL_RESULT' && part.isError),
  );
}
