import { type DynamicModule, Module } from '@nestjs/common';
import { type EnvironmentVariables, toPulseOptions } from './config/env.validation.js';
import { PulseModule } from './pulse.module.js';

/** The standalone service: Pulse configured from the validated environment. */
@Module({})
export class AppModule {
  static register(env: EnvironmentVariables): DynamicModule {
    return { module: AppModule, imports: [PulseModule.forRoot(toPulseOptions(env))] };
  }
}
