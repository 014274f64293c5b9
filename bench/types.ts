/** One section of `npm run bench` output and of bench/RESULTS.md. */
export interface BenchRow {
  name: string;
  /** Our median figure. */
  ours: number;
  /** The reference's median figure on the same input in the same run (undefined when unavailable). */
  reference?: number;
  unit: string;
  /** ours/reference when higher is better, reference/ours when lower is better. */
  ratio?: number;
  target?: string;
  note?: string;
}

export interface BenchSection {
  title: string;
  rows: BenchRow[];
  /** Free text: what limits us, profile findings, how to install a missing reference. */
  notes: string[];
}

export type BenchModule = { run(): Promise<BenchSection> };
