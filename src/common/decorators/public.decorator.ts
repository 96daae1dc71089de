import { Reflector } from '@nestjs/core';

/** Opts a route out of the global API-key guard. Everything else requires a key. */
export const Public = Reflector.createDecorator<true>({ transform: () => true });
