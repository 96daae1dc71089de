import { Reflector } from '@nestjs/core';

/** The route takes the operator's ADMIN_API_KEY, never a tenant key. */
export const AdminOnly = Reflector.createDecorator<true>({ transform: () => true });
