import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { SecretError } from '../errors';
import { describeSecretRef, type SecretResolver } from '../primitives/secrets';

/** Cache secrets per container for a few minutes: rotation is picked up without a read per request. */
const TTL_MS = 5 * 60_000;

/** Deployed: secrets are SSM SecureString parameters, read with decryption and cached. */
export function ssmSecretResolver(client: SSMClient, now: () => number = Date.now): SecretResolver {
  const cache = new Map<string, { value: Promise<string>; at: number }>();
  return {
    resolve(ref) {
      if (typeof ref === 'string' || !ref.ssm) {
        return Promise.reject(new SecretError(`secret ${describeSecretRef(ref)} has no ssm parameter name; deployed functions read secrets from SSM`));
      }
      const name = ref.ssm;
      const hit = cache.get(name);
      if (hit && now() - hit.at < TTL_MS) return hit.value;
      const value = client.send(new GetParameterCommand({ Name: name, WithDecryption: true })).then(
        (res) => {
          if (!res.Parameter?.Value) throw new SecretError(`SSM parameter ${name} has no value`);
          return res.Parameter.Value;
        },
        (err: unknown) => {
          cache.delete(name);
          throw new SecretError(`cannot read SSM parameter ${name}: ${(err as Error).name}`, { cause: err });
        },
      );
      cache.set(name, { value, at: now() });
      return value;
    },
  };
}
