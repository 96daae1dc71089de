/** The sparsest statistics sampling Pulse chooses or accepts: one message in 1,000. */
export const MAX_SAMPLING = 1000;
