import openapiTS, { astToString } from 'openapi-typescript';
import { format, resolveConfig } from 'prettier';

const HEADER = `/**
 * Pulse's HTTP API as TypeScript types, generated from the OpenAPI document by openapi-typescript:
 * do not edit. \`npm run generate:api-client\` regenerates it; test/e2e/api-client.e2e-spec.ts
 * fails when it is out of date with the document a running Pulse serves.
 */
`;

/** The types file for `document` (the JSON of /api/docs-json), in the project's Prettier style. */
export async function apiClientTypes(document: object, file: string): Promise<string> {
  const ast = await openapiTS(document as Parameters<typeof openapiTS>[0]);
  const config = (await resolveConfig(file)) ?? {};
  return format(HEADER + astToString(ast), { ...config, filepath: file });
}
