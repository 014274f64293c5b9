/**
 * Writes docs/dataset-spec.schema.json from `DatasetSpecSchema`:
 *   node --import tsx core/data/spec-schema.ts
 * (core/data/spec.test.ts fails when the file is out of date.)
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { datasetSpecJsonSchema } from './spec';

export const SCHEMA_PATH = fileURLToPath(new URL('../../docs/dataset-spec.schema.json', import.meta.url));

export function renderSpecSchema(): string {
  return JSON.stringify(datasetSpecJsonSchema(), null, 2) + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_PATH, renderSpecSchema());
  console.log(`wrote ${SCHEMA_PATH}`);
}
