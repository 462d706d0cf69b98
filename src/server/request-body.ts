import type { MiddlewareHandler } from 'hono';
import { problem, ProblemError } from './problem.js';
import type { ResolvedLimits, ServerEnv } from './route-kit.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a JSON request body within the limits before any route sees it: a body over
 * `maxBodyBytes` answers 413 (checked on `Content-Length` first, then while reading), a body
 * that is not valid UTF-8, not `application/json`, or nested deeper than `maxJsonDepth` answers
 * 400. The decoded text is handed to Hono's body cache, so the route's validator parses it once.
 */
export function readJsonBody(limits: ResolvedLimits): MiddlewareHandler<ServerEnv> {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'DELETE' || c.req.method === 'OPTIONS') return next();
    const declared = c.req.header('content-length');
    if (declared !== undefined && Number(declared) > limits.maxBodyBytes) throw tooLarge(limits);
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
      throw new ProblemError(problem('invalid_input', 'Send the request body as JSON with Content-Type: application/json.'));
    }
    const bytes = await readLimited(c.req.raw, limits);
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      throw new ProblemError(problem('invalid_input', 'The request body is not valid UTF-8.'));
    }
    if (text.trim().length === 0) throw new ProblemError(problem('invalid_input', 'The request body is empty; send a JSON object.'));
    const depth = jsonDepth(text);
    if (depth > limits.maxJsonDepth) throw new ProblemError(problem('invalid_input', `The request body is nested ${depth} levels deep; at most ${limits.maxJsonDepth} are allowed.`));
    // JSON.parse makes "__proto__" an own key, and the schema parse would drop it silently; the
    // store validators refuse it, so the API does too (visibly) instead of storing something else.
    if (/"__proto__"\s*:/.test(text)) throw new ProblemError(problem('invalid_input', 'The request body has a "__proto__" key; rename it.'));
    (c.req as unknown as { bodyCache: Record<string, Promise<unknown>> }).bodyCache.text = Promise.resolve(text);
    return next();
  };
}

async function readLimited(request: Request, limits: ResolvedLimits): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limits.maxBodyBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limits);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function tooLarge(limits: ResolvedLimits): ProblemError {
  return new ProblemError(problem('payload_too_large', `The request body is larger than ${limits.maxBodyBytes} bytes. Send fewer messages per request or raise limits.maxBodyBytes.`));
}

/** Deepest `[`/`{` nesting of JSON text, outside strings (a linear scan, no parse). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 92) index += 1; // backslash: skip the escaped character
      else if (char === 34) inString = false;
    } else if (char === 34) inString = true;
    else if (char === 91 || char === 123) {
      depth += 1;
      if (depth > deepest) deepest = depth;
    } else if (char === 93 || char === 125) depth -= 1;
  }
  return deepest;
}
