/** alertflow's version, as package.json states it (a unit test keeps the two equal). */
export const ALERTFLOW_VERSION = '0.1.0';
