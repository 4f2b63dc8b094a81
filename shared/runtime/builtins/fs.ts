/** `node:fs` in the Lambda bundles, without its ES module namespace (see ./process.ts). */
const builtin = process.getBuiltinModule('node:fs');
export const { ReadStream, createReadStream, fstatSync, lstatSync, promises, readFileSync } = builtin;
export default builtin;
