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
import { toUtcText } from '../time.js';
import type { EverrunsContentPartPayload, EverrunsMessagePayload } from './payload.js';

/**
 * Everruns' content parts (`ContentPart` in its API document): text, image, image_file,
 * tool_call and tool_result. A part of another type, or a known type missing its fields, is
 * served whole as an OTHER part.
 */
function toPart(part: EverrunsContentPartPayload): MessagePartRecord {
  switch (part.type) {
    case 'text':
      if (typeof part.text === 'string') return new TextPart(part.text);
      break;
    case 'tool_call':
      if (typeof part.name === 'string') {
        return new ToolCallPart(stringOr(part.id), part.name, part.arguments ?? null);
      }
      break;
    case 'tool_result': {
      const error = stringOr(part.error);
      return new ToolResultPart(stringOr(part.tool_call_id), part.result ?? null, error, error !== null);
    }
    case 'image':
      return new ImagePart(stringOr(part.url), stringOr(part.media_type), stringOr(part.base64), null, null);
    case 'image_file':
      if (typeof part.image_id === 'string') {
        return new ImagePart(null, null, null, part.image_id, stringOr(part.filename));
      }
      break;
  }
  return new OtherPart(part.type, part);
}

/**
 * Maps a validated Everruns message to the gateway's record (times as UTC text at microsecond
 * precision). Everruns has no error flag on a message: one holding a failed tool result is an error.
 */
export function toEverrunsMessage(sessionId: string, payload: EverrunsMessagePayload): MessageRecord {
  const parts = payload.content.map(toPart);
  return new ConversationMessage(
    'EVERRUNS',
    sessionId,
    payload.id,
    payload.role,
    parts,
    joinText(parts),
    toUtcText(payload.created_at),
    parts.some((part) => part.kind === 'TOOL_RESULT' && part.isError),
  );
}
