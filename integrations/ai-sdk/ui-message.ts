/** Converters between stored messages and the AI SDK's `UIMessage` (the `useChat` format). */
export { uiMessageToMessages } from './ui-message-to-messages.js';
export { messagesToUIMessages, type UIConvertibleMessage } from './ui-message-from-messages.js';
export { UI_LAYOUT_KEY, type UILayout, type UILayoutEntry } from './ui-message-layout.js';
