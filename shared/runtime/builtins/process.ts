/**
 * `node:process` in the Lambda bundles (an esbuild alias, lib/bundle.ts bundleAliases): the
 * built-in as CommonJS hands it out. An `import` of it from the SDK made Node build the module's ES
 * namespace, which reads every property of `process` once: about 5 ms of each function's init (ADR
 * 0008, "built-ins without their ES module namespaces"). A name imported here that is missing fails
 * the bundling, never a function.
 */
const builtin = process.getBuiltinModule('node:process');
export const { env, versions } = builtin;
export default builtin;
