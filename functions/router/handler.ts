// Placeholder: the real adapter lands with the pipeline.
export const handler = async (): Promise<never> => {
  throw new Error('not implemented');
};
