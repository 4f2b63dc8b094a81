/** `node:util` in the Lambda bundles, without its ES module namespace (see ./process.ts). */
const builtin = process.getBuiltinModule('node:util');
export const { inspect, promisify, types } = builtin;
export default builtin;
