import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * What the deployed functions' bundles hold in place of `@aws-sdk/credential-provider-node` (an
 * esbuild alias, lib/bundle.ts bundleAliases). Lambda hands every function its role's credentials
 * in the environment, the first source the SDK's default chain tries, so the chain's other sources
 * (profile files, SSO, the sign-in and STS clients, IMDS, containers) never run there. Leaving them
 * out takes 120–145 KB off each bundle and 7–17% off the functions' summed init CPU (ADR 0008,
 * "Environment credentials"). The local runtime is not bundled: it keeps the whole chain.
 */
export const defaultProvider: typeof fromEnv = (init) => fromEnv(init);
