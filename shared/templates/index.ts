/**
 * Notification templates: a safe subset of Go's text/template over Alertmanager's data model,
 * with named templates (`define`, `template`, `block`) and template sets holding Alertmanager's
 * default names. See README ("Templates") for the syntax and functions.
 */
export { TemplateError } from './errors';
export { escapeHtml, MAX_INPUT_LENGTH as MAX_REGEXP_INPUT } from './functions';
export {
  compileCheckTemplate,
  compileTemplate,
  compileTemplateSet,
  defaultTemplateSet,
  DEFAULT_MAX_OUTPUT,
  DEFAULT_MAX_STEPS,
  MAX_SET_FILES,
  MAX_SET_SOURCE_LENGTH,
  MAX_SOURCE_LENGTH,
  type TemplateSet,
  type RenderOptions,
  type Template,
  type TemplateFile,
} from './template';
export { ALERTMANAGER_DEFAULT_NAMES } from './alertmanager-defaults';
export { MAX_EXEC_DEPTH } from './exec';
export { AlertList, KV, Pairs, SafeString, TemplateTime, type Pair, type CheckTemplateData, type TemplateAlert, type TemplateData } from './values';
