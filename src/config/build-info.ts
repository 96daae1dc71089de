import { readFileSync } from 'node:fs';

/**
 * Pulse's version, from its one source: package.json's `version` (read at start: src/config and
 * dist/config are both two floors below the package root, and an image or an npm install keeps
 * package.json beside dist/). /health/live, `pulse_build_info`, the OpenAPI document's
 * `info.version` and, when the build states it as VERSION, the image's
 * `org.opencontainers.image.version` label (the Dockerfile refuses a VERSION that differs) all carry
 * it. README, Versions and deprecation.
 */
export const PULSE_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
