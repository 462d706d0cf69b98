import { base64ToBytes, bytesToBase64, toJsonObject } from './json-value.js';
import type { FileDataForm, PartMetadata } from './message-metadata.js';
import { type JsonObject } from '../../src/index.js';

/** Which SDK shape file data is rebuilt for: `ModelMessage` (ai 6 and 7), or the provider prompt of spec V3 (ai 6) or V4 (ai 7). */
export type FileDataTarget = 'model-message' | 'v3' | 'v4';

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
/** Provider references have no URL; this scheme names one in our `FilePart.url` (the data itself is in part metadata). */
const REFERENCE_SCHEME = 'ai-sdk-reference:';

/**
 * Our `FilePart` keeps a file as one URL string. Turns any SDK file data (bytes, base64, URL,
 * V4 tagged union, provider reference) into that string, and says in part metadata which form it
 * was so {@link fileDataFromUrl} rebuilds the same form.
 */
export function fileDataToUrl(data: unknown, mediaType: string): { url: string; meta: PartMetadata } {
  if (data instanceof Uint8Array) return { url: dataUrl(mediaType, bytesToBase64(data)), meta: { fileData: 'bytes' } };
  if (data instanceof ArrayBuffer) return { url: dataUrl(mediaType, bytesToBase64(new Uint8Array(data))), meta: { fileData: 'bytes' } };
  if (data instanceof URL) return { url: data.href, meta: { fileData: 'url' } };
  if (typeof data === 'string') {
    return SCHEME.test(data) ? { url: data, meta: { fileData: 'url-string' } } : { url: dataUrl(mediaType, data), meta: { fileData: 'base64' } };
  }
  if (typeof data === 'object' && data !== null) {
    const tagged = data as { type?: unknown; data?: unknown; url?: unknown; originalUrl?: unknown; reference?: unknown; text?: unknown };
    switch (tagged.type) {
      case 'data':
        return tagged.data instanceof Uint8Array
          ? { url: dataUrl(mediaType, bytesToBase64(tagged.data)), meta: { fileData: 'tagged-bytes' } }
          : { url: dataUrl(mediaType, String(tagged.data)), meta: { fileData: 'tagged-base64' } };
      case 'url': {
        const originalUrl = typeof tagged.originalUrl === 'string' ? tagged.originalUrl : undefined;
        const href = tagged.url instanceof URL ? tagged.url.href : String(tagged.url);
        return { url: originalUrl ?? href, meta: originalUrl === undefined ? { fileData: 'tagged-url' } : { fileData: 'tagged-url', originalUrl } };
      }
      case 'reference': {
        const reference = toJsonObject(tagged.reference as Record<string, unknown>);
        return { url: referenceUrl(reference), meta: { fileData: 'tagged-reference', reference } };
      }
      case 'text':
        return { url: dataUrl(mediaType, bytesToBase64(new TextEncoder().encode(String(tagged.text)))), meta: { fileData: 'tagged-text' } };
      default: {
        const reference = toJsonObject(data as Record<string, unknown>);
        return { url: referenceUrl(reference), meta: { fileData: 'reference', reference } };
      }
    }
  }
  return { url: String(data), meta: { fileData: 'url-string' } };
}

/** Rebuilds SDK file data from our URL string, in the recorded form where the target has it, else the target's natural form. */
export function fileDataFromUrl(url: string, meta: PartMetadata | null | undefined, target: FileDataTarget): unknown {
  const form: FileDataForm | undefined = meta?.fileData;
  const tagsAllowed = target !== 'v3';
  switch (form) {
    case 'reference':
    case 'tagged-reference': {
      const reference = meta?.reference ?? {};
      return (form === 'tagged-reference' && tagsAllowed) || target === 'v4' ? { type: 'reference', reference } : reference;
    }
    case 'url-string':
      return target === 'model-message' ? url : naturalUrl(url, target);
    case 'url':
      return target === 'v4' ? naturalUrl(url, target) : toUrlOrString(url);
    case 'tagged-url': {
      if (!tagsAllowed) return toUrlOrString(url);
      const data: { type: 'url'; url: URL | string; originalUrl?: string } = { type: 'url', url: toUrlOrString(url) };
      if (meta?.originalUrl !== undefined) data.originalUrl = meta.originalUrl;
      return data;
    }
    default:
      break;
  }
  const parsed = parseDataUrl(url);
  if (parsed === undefined) return naturalUrl(url, target);
  if (form === 'tagged-text' && tagsAllowed) return { type: 'text', text: new TextDecoder().decode(base64ToBytes(parsed.base64)) };
  const payload = form === 'bytes' || form === 'tagged-bytes' ? base64ToBytes(parsed.base64) : parsed.base64;
  const tagged = form === 'tagged-bytes' || form === 'tagged-base64' || form === 'tagged-text' || (form === undefined && target === 'v4');
  return tagged && tagsAllowed ? { type: 'data', data: payload } : payload;
}

/** A non-data URL in the target's own form: V4 tags it, V3 and ModelMessage take a `URL`. */
function naturalUrl(url: string, target: FileDataTarget): unknown {
  const parsed = parseDataUrl(url);
  if (parsed !== undefined) return target === 'v4' ? { type: 'data', data: parsed.base64 } : parsed.base64;
  const value = toUrlOrString(url);
  return target === 'v4' ? { type: 'url', url: value } : value;
}

export function dataUrl(mediaType: string, base64: string): string {
  return `data:${mediaType};base64,${base64}`;
}

/** Splits a `data:` URL; a non-base64 (percent-encoded) payload is re-encoded as base64. */
export function parseDataUrl(url: string): { mediaType: string; base64: string } | undefined {
  if (!url.startsWith('data:')) return undefined;
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const header = url.slice(5, comma);
  const body = url.slice(comma + 1);
  const isBase64 = header.endsWith(';base64');
  const mediaType = isBase64 ? header.slice(0, -';base64'.length) : header;
  return { mediaType, base64: isBase64 ? body : bytesToBase64(new TextEncoder().encode(decodeURIComponent(body))) };
}

function referenceUrl(reference: JsonObject): string {
  const [provider, id] = Object.entries(reference)[0] ?? ['unknown', ''];
  return `${REFERENCE_SCHEME}${encodeURIComponent(provider)}/${encodeURIComponent(String(id))}`;
}

function toUrlOrString(url: string): URL | string {
  try {
    return new URL(url);
  } catch {
    return url;
  }
}
