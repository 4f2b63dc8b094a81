/**
 * Notification templates: a safe subset of Go's text/template over Alertmanager's data model.
 * See README ("Templates") for the syntax and functions.
 */
export { TemplateError } from './errors';
export { escapeHtml, MAX_INPUT_LENGTH as MAX_REGEXP_INPUT } from './functions';
export { templateData } from './data';
export {
  compileCheckTemplate,
  compileTemplate,
  DEFAULT_MAX_OUTPUT,
  DEFAULT_MAX_STEPS,
  MAX_SOURCE_LENGTH,
  type RenderOptions,
  type Template,
} from './template';
export { AlertList, KV, Pairs, SafeString, TemplateTime, type Pair, type CheckTemplateData, type TemplateAlert, type TemplateData } from './values';
