/**
 * `node:fs/promises` in the Lambda bundles. It needs an alias of its own: esbuild's alias for
 * `node:fs` matches it as a path prefix (see ./process.ts).
 */
const builtin = process.getBuiltinModule('node:fs/promises');
export const { readFile } = builtin;
export default builtin;
