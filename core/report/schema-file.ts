/**
 * `docs/report-schema.json` is generated from `ReportModelSchema`. Regenerate after changing the model:
 *   node --import tsx core/report/schema-file.ts
 * (`schema-file.test.ts` fails while the file is stale.)
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { REPORT_SCHEMA_VERSION, ReportModelSchema } from './model';

export const REPORT_SCHEMA_PATH = fileURLToPath(new URL('../../docs/report-schema.json', import.meta.url));

export function reportJsonSchemaText(): string {
  const schema = z.toJSONSchema(ReportModelSchema, { unrepresentable: 'any', io: 'output' }) as Record<string, unknown>;
  const doc = {
    $id: `urn:drmm-workbench:report-schema:v${REPORT_SCHEMA_VERSION}`,
    title: 'DRMM Workbench robustness report',
    description: `Report model, schemaVersion ${REPORT_SCHEMA_VERSION}. Generated from core/report/model.ts; do not edit by hand.`,
    ...schema,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(REPORT_SCHEMA_PATH, reportJsonSchemaText());
  console.log(`wrote ${REPORT_SCHEMA_PATH}`);
}
