/**
 * `drmm import --spec SPEC`: read, check and store a dataset; print how each file was read (format,
 * delimiter, header and quote — sniffed or given, with the spec field that overrides a sniffed guess),
 * the dataset's shape and the validation warnings.
 */
import path from 'node:path';
import { loadSpec } from '../../../core/data/spec';
import type { FileDecision, ValidationIssue } from '../../api/contract';
import { boolArg, printJson, requiredString, stringArg, type CliCommand } from '../command';
import { DATA_DIR_OPTION, withServices } from '../context';
import { ProgressBar } from '../progress';

/** One line per file: how it was read, and how to override what was sniffed. */
export function describeFileDecision(d: FileDecision, showPart: boolean): string {
  const bits: string[] = [d.format];
  if (d.format === 'csv') {
    bits.push(`delimiter ${d.delimiter === '\t' ? 'tab' : JSON.stringify(d.delimiter)}${d.delimiterSniffed ? ' (sniffed)' : ''}`);
    bits.push(d.header
      ? `header row${d.headerSniffed ? ' (sniffed; if the first row is data, set "header": false)' : ''}`
      : `no header${d.columnsFrom ? ` (names from ${d.columnsFrom})` : d.headerSniffed ? ' (sniffed; if the first row holds names, set "header": true)' : ''}`);
    bits.push(d.quote === null ? 'quotes off' : d.quote === '"' ? 'quote "' : `quote ${d.quote}`);
  } else if (d.columnsFrom) bits.push(`names from ${d.columnsFrom}`);
  const renamed = d.renamed.length ? `; repeated names renamed: ${d.renamed.slice(0, 3).map((r) => `${r.from} → ${r.to}`).join(', ')}${d.renamed.length > 3 ? ', …' : ''}` : '';
  return `  ${showPart ? `[${d.part}] ` : ''}${d.file}: ${bits.join(', ')} — ${d.rows.toLocaleString('en')} rows × ${d.columns.toLocaleString('en')} columns${renamed}`;
}

export function describeWarnings(warnings: ValidationIssue[]): string[] {
  return warnings.map((w) => `  - ${w.message}`);
}

export const importCommand: CliCommand = {
  name: 'import',
  summary: 'store a dataset in the history (a changed file becomes a new version)',
  usage: '--spec SPEC [--name NAME] [--json]',
  options: {
    spec: { type: 'string', valueName: 'SPEC', description: 'Dataset spec (JSON); see docs/dataset-spec.md (its cookbook has one spec per common file layout).' },
    name: { type: 'string', valueName: 'NAME', description: "Dataset name (default: the spec's name, else its folder)." },
    json: { type: 'boolean', description: 'Print the stored dataset as JSON (with how each file was read, and the warnings).' },
    ...DATA_DIR_OPTION,
  },
  details: `
Examples:
  drmm import --spec resources/samples/heart-disease/spec.json
  drmm import --spec tests/fixtures/layouts/multi-part/spec.json --json`,
  async run(args) {
    const specPath = requiredString(args, 'spec', 'import');
    const { spec, baseDir } = await loadSpec(specPath);
    const name = stringArg(args, 'name') ?? (spec as { name?: string }).name ?? path.basename(path.dirname(path.resolve(specPath)));
    return withServices(args, async (s) => {
      const bar = new ProgressBar('reading');
      const { dataset: ds, files, warnings, created, cacheRebuilt } = await s.imports.saveDetailed({ name, spec, baseDir }, (f, msg) => bar.update(f, msg));
      bar.done();
      if (boolArg(args, 'json')) {
        printJson({ ...ds, created, cacheRebuilt, files, warnings });
        return 0;
      }
      const status = created ? 'Imported' : cacheRebuilt ? 'Already stored (same content; its parsed data were missing or damaged and have been rebuilt from the files)' : 'Already stored (same content)';
      const lines = [`${status}: dataset ${ds.id} '${ds.name}' version ${ds.version} — ${ds.nRows} rows, modalities ${ds.modalities.map((m) => `${m.name} (${m.width})`).join(', ')}, ${ds.classes.length} classes`];
      if (files.length) {
        const parts = new Set(files.map((f) => f.part));
        lines.push('Files:', ...files.map((f) => describeFileDecision(f, parts.size > 1)));
      }
      if (warnings.length) lines.push(`Warnings (${warnings.length}):`, ...describeWarnings(warnings));
      process.stdout.write(lines.join('\n') + '\n');
      return 0;
    });
  },
};
