import { isJsonObject } from './json-value.js';
import { ValidationError, defaultScope, type Scope } from '../../src/index.js';

/** The `providerOptions` key read per call: `providerOptions: { llmContext: { conversationId, scope? } }`. */
export const PROVIDER_OPTIONS_KEY = 'llmContext';

/**
 * Which conversation a model call belongs to: `providerOptions.llmContext` of the call, else the
 * middleware's options. Returns the provider options without our key.
 * @throws {ValidationError} when neither names a conversation.
 */
export function resolveCallTarget(options: { conversationId?: string; scope?: Scope }, providerOptions: object | undefined): { conversationId: string; scope: Scope; providerOptions: object | undefined } {
  const all = (providerOptions ?? {}) as Record<string, unknown>;
  const perCall = all[PROVIDER_OPTIONS_KEY];
  const ours = isJsonObject(perCall) ? perCall : {};
  const conversationId = typeof ours.conversationId === 'string' ? ours.conversationId : options.conversationId;
  if (conversationId === undefined) {
    throw new ValidationError({
      field: 'conversationId',
      message: `is required: pass contextMiddleware({ conversationId }) or providerOptions: { ${PROVIDER_OPTIONS_KEY}: { conversationId } } on the call`,
    });
  }
  const scope = isJsonObject(ours.scope) && typeof ours.scope.tenantId === 'string' ? (ours.scope as unknown as Scope) : (options.scope ?? defaultScope());
  const { [PROVIDER_OPTIONS_KEY]: _ours, ...rest } = all;
  // Providers only read their own key, but ours carries ids the provider has no use for.
  return { conversationId, scope, providerOptions: Object.keys(rest).length > 0 ? rest : undefined };
}
