export { inspectorRoutes, type InspectorRoutesOptions } from './inspector-routes.js';
export { renderInspectorPage, type RenderInspectorPageOptions } from './render-page.js';
