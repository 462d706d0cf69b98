import { type ContentPart, type FilePart, type JsonObject, type JsonValue, type ReasoningPart, type Role, type TextPart } from '../../src/index.js';

/**
 * LangChain content blocks ↔ our content parts, for the block types both sides can express:
 * text, reasoning (LangChain v1 `reasoning` and Anthropic `thinking`), and files (v1 `image`,
 * `audio`, `video`, `file`, `text-plain` by URL or base64, and OpenAI-style `image_url`).
 * Other blocks (provider tool-use echoes, citations, …) have no neutral part; the message
 * converter keeps the original content in `metadata.langchain` so nothing is lost.
 */

type NeutralPart = TextPart | ReasoningPart | FilePart;

const FILE_BLOCK_TYPES = new Set(['image', 'audio', 'video', 'file', 'text-plain']);

/** Parts a message of `role` can carry for the given LangChain block array (unmappable blocks are skipped). */
export function blocksToParts(blocks: readonly JsonValue[], role: Role): NeutralPart[] {
  const parts: NeutralPart[] = [];
  for (const block of blocks) {
    if (typeof block !== 'object' || block === null || Array.isArray(block)) continue;
    const part = blockToPart(block);
    if (part === undefined) continue;
    if (part.type === 'text' || (part.type === 'file' && role !== 'system') || (part.type === 'reasoning' && role === 'assistant')) parts.push(part);
  }
  return parts;
}

function blockToPart(block: JsonObject): NeutralPart | undefined {
  const type = block.type;
  if (type === 'text' && typeof block.text === 'string') return { type: 'text', text: block.text };
  if (type === 'reasoning' && typeof block.reasoning === 'string') return { type: 'reasoning', text: block.reasoning };
  if (type === 'thinking' && typeof block.thinking === 'string') return { type: 'reasoning', text: block.thinking };
  if (type === 'image_url') {
    const imageUrl = block.image_url;
    const url = typeof imageUrl === 'string' ? imageUrl : typeof imageUrl === 'object' && imageUrl !== null && !Array.isArray(imageUrl) ? imageUrl.url : undefined;
    if (typeof url !== 'string' || url === '') return undefined;
    return { type: 'file', mediaType: dataUrlMediaType(url) ?? 'image/*', url };
  }
  if (typeof type === 'string' && FILE_BLOCK_TYPES.has(type)) {
    const mimeType = typeof block.mimeType === 'string' && block.mimeType !== '' ? block.mimeType : undefined;
    let url: string | undefined;
    if (typeof block.url === 'string' && block.url !== '') url = block.url;
    else if (typeof block.data === 'string' && mimeType !== undefined) url = `data:${mimeType};base64,${block.data}`;
    if (url === undefined) return undefined;
    const mediaType = mimeType ?? dataUrlMediaType(url) ?? defaultMediaType(type);
    const metadata = block.metadata;
    const filename = typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) && typeof metadata.filename === 'string' ? metadata.filename : undefined;
    return filename === undefined ? { type: 'file', mediaType, url } : { type: 'file', mediaType, url, filename };
  }
  return undefined;
}

/** LangChain v1 standard blocks for our parts (tool parts excluded: they travel in `tool_calls` / `ToolMessage`). */
export function partsToBlocks(parts: readonly ContentPart[]): JsonObject[] {
  const blocks: JsonObject[] = [];
  for (const part of parts) {
    if (part.type === 'text') blocks.push({ type: 'text', text: part.text });
    else if (part.type === 'reasoning') blocks.push({ type: 'reasoning', reasoning: part.text });
    else if (part.type === 'file') blocks.push(fileBlock(part));
  }
  return blocks;
}

function fileBlock(part: FilePart): JsonObject {
  const major = part.mediaType.split('/')[0];
  const type = major === 'image' || major === 'audio' || major === 'video' ? major : 'file';
  const block: JsonObject = { type };
  // v1 blocks carry inline data as base64 `data`, not as a data: URL.
  const inline = /^data:([^;,]+);base64,(.*)$/s.exec(part.url);
  if (inline !== null && inline[1] === part.mediaType) block.data = inline[2] ?? '';
  else block.url = part.url;
  block.mimeType = part.mediaType;
  if (part.filename !== undefined) block.metadata = { filename: part.filename };
  return block;
}

function dataUrlMediaType(url: string): string | undefined {
  const match = /^data:([^;,]+)[;,]/.exec(url);
  return match?.[1];
}

function defaultMediaType(blockType: string): string {
  if (blockType === 'text-plain') return 'text/plain';
  if (blockType === 'file') return 'application/octet-stream';
  return `${blockType}/*`;
}
