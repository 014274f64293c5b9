/**
 * The sections of the experiment report model (core/experiments/report-model.ts), each computed
 * from the configurations' aggregates and their runs' stored evaluations: stress curves over
 * seeds, the missing-modality matrix, where each configuration breaks, the reference rows, the
 * frontier sentence, the summary, and the per-run details of the appendix. Pure functions.
 */
import type { RunEvaluationSummary } from '../evaluate/schema';
import { getStressTest } from '../evaluate/stress';
import { LOW_EXPOSURE_SHARE } from '../report/model';
import { mean, std } from '../stats';
import type {
  BreakRow, ExperimentReportModel, ExperimentRunInput, MissingMatrix, ReportRow, RunDetail, StressBlock, StressSeries,
} from './report-model';
import { num3, signed3 } from './report-format';
import { MAX_LINES_PER_CHART } from './report-style';
import type { Comparison, ConfigurationAggregate, ExperimentReferences, FrontierSeries } from './schema';

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);
const meanOrNull = (x: number[]) => (x.length ? mean(x) : null);
const sdOrNull = (x: number[]) => (x.length > 1 ? std(x, 1) : null);
const f3 = (v: number) => v.toFixed(3);
const signed = signed3;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
/** Stress tests that corrupt one modality at a time (all-but-one removes every other modality instead). */
const ALL_BUT_ONE = 'all-but-one';
const MISSING = 'missing-modality';

export function stressLabelOf(test: string): string {
  try {
    return getStressTest(test).label;
  } catch {
    return test;
  }
}

type Runs = ReadonlyMap<string, readonly ExperimentRunInput[]>;
const evalOf = (r: ExperimentRunInput): RunEvaluationSummary => r.evaluation;
const cleanOf = (e: RunEvaluationSummary): number | null => (finite(e.stress.cleanAccuracy) ? e.stress.cleanAccuracy : finite(e.nominal.metrics.accuracy) ? e.nominal.metrics.accuracy! : null);

/** Modalities in the order of the first run that has them. */
function modalitiesOf(runs: Runs): string[] {
  const out: string[] = [];
  for (const rs of runs.values()) for (const r of rs) for (const m of evalOf(r).modalityNames) if (!out.includes(m)) out.push(m);
  return out;
}

// ---------------------------------------------------------------- stress curves over seeds

/**
 * Per corruption and modality, one series per configuration: the mean and sd over seeds of each
 * run's accuracy (itself the mean over the stress repeats) at each severity. The y-axis of a
 * corruption's charts is fitted to every mean ± sd drawn on them, so small differences show; the
 * range is part of the model (and printed beside the charts). More than eight configurations are
 * split over several charts of at most eight lines.
 */
export function aggregateStress(configs: readonly ConfigurationAggregate[], runs: Runs): StressBlock[] {
  const tests: string[] = [];
  for (const rs of runs.values()) for (const r of rs) for (const c of evalOf(r).stress.curves) if (!tests.includes(c.test)) tests.push(c.test);
  const modalities = modalitiesOf(runs);
  return tests.map((test) => {
    const charts: StressBlock['charts'] = [];
    const drawn: number[] = [];
    for (const modality of modalities) {
      const series: StressSeries[] = [];
      for (const c of configs) {
        const curves = (runs.get(c.label) ?? []).map((r) => evalOf(r).stress.curves.find((k) => k.test === test && k.modality === modality)).filter((k) => k !== undefined);
        if (!curves.length) continue;
        const severities = [...new Set(curves.flatMap((k) => k.severities))].sort((a, b) => a - b);
        const at = (s: number) => curves.map((k) => k.accuracyMean[k.severities.findIndex((x) => Math.abs(x - s) < 1e-9)]).filter(finite);
        const s: StressSeries = { configuration: c.label, severities, mean: severities.map((v) => meanOrNull(at(v))), sd: severities.map((v) => sdOrNull(at(v))), n: severities.map((v) => at(v).length) };
        s.mean.forEach((m, i) => { if (m !== null) drawn.push(m - (s.sd[i] ?? 0), m + (s.sd[i] ?? 0)); });
        series.push(s);
      }
      const parts = Math.ceil(series.length / MAX_LINES_PER_CHART);
      for (let p = 0; p < parts; p++) charts.push({ modality, part: p + 1, parts, series: series.slice(p * MAX_LINES_PER_CHART, (p + 1) * MAX_LINES_PER_CHART) });
    }
    return { test, label: stressLabelOf(test), yRange: fittedRange(drawn), charts };
  });
}

/** [lo, hi] around the values with 5% padding (at least 0.02 wide), kept within [0, 1]. */
export function fittedRange(values: readonly number[]): [number, number] {
  const v = values.filter(finite);
  if (!v.length) return [0, 1];
  let lo = Math.min(...v), hi = Math.max(...v);
  if (hi - lo < 0.02) { const mid = (lo + hi) / 2; lo = mid - 0.01; hi = mid + 0.01; }
  const pad = (hi - lo) * 0.05;
  return [Math.max(0, lo - pad), Math.min(1, hi + pad)];
}

// ---------------------------------------------------------------- missing modalities

/** Per configuration and modality: accuracy with the modality missing (and with only it kept), and the drop from the run's own clean accuracy, over seeds. */
export function missingMatrix(configs: readonly ConfigurationAggregate[], runs: Runs): MissingMatrix {
  const modalities = modalitiesOf(runs);
  const cellOf = (rs: readonly ExperimentRunInput[], test: string, modality: string) => {
    const acc: number[] = [], drop: number[] = [];
    for (const r of rs) {
      const e = evalOf(r);
      const p = e.stress.points.find((x) => x.test === test && x.modality === modality);
      const clean = cleanOf(e);
      if (!p || !finite(p.accuracy)) continue;
      acc.push(p.accuracy);
      if (clean !== null) drop.push(clean - p.accuracy);
    }
    return { modality, accuracy: meanOrNull(acc), accuracySd: sdOrNull(acc), drop: meanOrNull(drop), dropSd: sdOrNull(drop), n: acc.length };
  };
  const rows = configs.filter((c) => (runs.get(c.label) ?? []).length).map((c) => {
    const rs = runs.get(c.label)!;
    return {
      configuration: c.label,
      clean: meanOrNull(rs.map((r) => cleanOf(evalOf(r))).filter(finite)),
      missing: modalities.map((m) => cellOf(rs, MISSING, m)),
      onlyKept: modalities.map((m) => cellOf(rs, ALL_BUT_ONE, m)),
    };
  });
  return { modalities, rows };
}

// ---------------------------------------------------------------- where each configuration breaks

/**
 * Per configuration: the single-modality corruption with the largest mean drop in accuracy from
 * the run's own clean accuracy — a graded curve at its highest severity, or a missing modality —
 * and the modality whose shift the loss moves with most (the mean share over seeds, METHOD.md §5).
 */
export function breaksOf(configs: readonly ConfigurationAggregate[], runs: Runs): BreakRow[] {
  return configs.filter((c) => (runs.get(c.label) ?? []).length).map((c) => {
    const rs = (runs.get(c.label) ?? []).map(evalOf);
    const worst = worstBreak(rs);
    const exposure = exposureOf(rs);
    return { configuration: c.label, worst, exposure, sentence: breakSentence(c.label, worst, exposure, rs.length) };
  });
}

function worstBreak(evs: readonly RunEvaluationSummary[]): BreakRow['worst'] {
  const candidates = new Map<string, { test: string; modality: string; severity: number; clean: number[]; acc: number[]; drop: number[] }>();
  const add = (test: string, modality: string, severity: number, clean: number | null, acc: number | null) => {
    if (clean === null || !finite(acc)) return;
    const key = `${test}\u0000${modality}`;
    const c = candidates.get(key) ?? { test, modality, severity, clean: [], acc: [], drop: [] };
    c.clean.push(clean); c.acc.push(acc); c.drop.push(clean - acc);
    candidates.set(key, c);
  };
  for (const e of evs) {
    const clean = cleanOf(e);
    for (const k of e.stress.curves) {
      const i = k.severities.indexOf(Math.max(...k.severities));
      if (i >= 0 && k.severities[i] > 0) add(k.test, k.modality, k.severities[i], clean, k.accuracyMean[i]);
    }
    for (const p of e.stress.points) if (p.test !== ALL_BUT_ONE) add(p.test, p.modality, 1, clean, p.accuracy);
  }
  let best: BreakRow['worst'] = null;
  for (const c of candidates.values()) {
    const drop = mean(c.drop);
    if (!best || drop > best.drop + 1e-12) {
      best = { test: c.test, label: stressLabelOf(c.test), modality: c.modality, severity: c.severity, clean: mean(c.clean), accuracy: mean(c.acc), drop, dropSd: sdOrNull(c.drop), n: c.drop.length };
    }
  }
  return best;
}

function exposureOf(evs: readonly RunEvaluationSummary[]): BreakRow['exposure'] {
  const avail = evs.map((e) => e.shiftSensitivity).filter((s) => s?.available === true);
  if (!avail.length) return null;
  const mods = [...new Set(avail.flatMap((s) => s.modalities.map((m) => m.modality)))];
  const shares = mods.map((modality) => {
    const v = avail.map((s) => s.modalities.find((m) => m.modality === modality)?.share).filter(finite);
    const risk = avail.map((s) => s.modalities.find((m) => m.modality === modality)?.risk).filter(finite);
    return { modality, share: meanOrNull(v), sd: sdOrNull(v), risk: meanOrNull(risk), n: v.length };
  });
  const top = shares.filter((s) => s.share !== null).sort((a, b) => b.share! - a.share!)[0];
  if (!top) return null;
  return {
    modality: top.modality, share: top.share!, shareSd: top.sd, risk: top.risk, n: top.n, exposed: top.share! >= LOW_EXPOSURE_SHARE,
    shares: shares.map((s) => ({ modality: s.modality, share: s.share, sd: s.sd })),
  };
}

/** "under feature dropout of labs (s = 0.9)", "when imaging is missing". */
export function breakInWords(w: NonNullable<BreakRow['worst']>): string {
  if (w.test === MISSING) return `when ${w.modality} is missing`;
  return `under ${w.label.charAt(0).toLowerCase()}${w.label.slice(1)} on ${w.modality} (s = ${w.severity})`;
}

function breakSentence(label: string, w: BreakRow['worst'], x: BreakRow['exposure'], n: number): string {
  const over = `mean over ${plural(n, 'seed')}`;
  let s: string;
  if (!w) s = `${label} has no stress results to say where it breaks`;
  else if (w.drop <= 0.005) s = `${label} barely breaks: no single-modality corruption lowers its accuracy by more than 0.005 (${over})`;
  else s = `${label} breaks most ${breakInWords(w)}: accuracy ${f3(w.clean!)} → ${f3(w.accuracy!)}, a drop of ${f3(w.drop)} (${over})`;
  if (x) {
    s += x.exposed
      ? `; its loss is most exposed to a shift in ${x.modality} (share ${x.share.toFixed(2)})`
      : `; no single modality's shift moves its loss much (largest share ${x.share.toFixed(2)}, ${x.modality})`;
  }
  return `${s}.`;
}

/** Whether every configuration's worst-group accuracy equals its accuracy seed by seed (false without groups). */
export function worstGroupEqualsAccuracy(aggregate: Pick<ExperimentReportModel['aggregate'], 'configurations'>): boolean {
  const withGroups = aggregate.configurations.filter((c) => c.metrics.worstGroupAccuracy && c.metrics.worstGroupAccuracy.n > 0);
  return withGroups.length > 0 && withGroups.every((c) => c.metrics.worstGroupAccuracy!.values.every((v, i) => {
    const a = c.metrics.accuracy.values[i];
    return v === null ? a === null : a !== null && Math.abs(v - a) < 1e-12;
  }));
}

// ---------------------------------------------------------------- references

/** The reference rows: majority class and logistic regression over splits — per held-out group when the grid has them. */
export function referenceRows(refs: ExperimentReferences): ReportRow[] {
  const rows = (r: Omit<ExperimentReferences, 'byHeldOut'>, heldOut?: string): ReportRow[] => {
    const suffix = heldOut !== undefined ? ` · held out ${heldOut}` : '';
    const h = heldOut !== undefined ? { heldOut } : {};
    const out: ReportRow[] = [];
    if (r.majorityAccuracy.n > 0) out.push({ kind: 'majority', label: `Majority class${suffix}`, ...h, seeds: [], metrics: { accuracy: r.majorityAccuracy } });
    const lr = r.logisticRegression;
    if (lr) {
      out.push({
        kind: 'logistic-regression', label: `Logistic regression${suffix}`, ...h, seeds: [],
        metrics: { accuracy: lr.accuracy, robustAccuracy: lr.robustAccuracy, macroF1: lr.macroF1, logLoss: lr.logLoss, ...(lr.worstGroupAccuracy ? { worstGroupAccuracy: lr.worstGroupAccuracy } : {}) },
      });
    }
    return out;
  };
  const by = refs.byHeldOut ? Object.entries(refs.byHeldOut) : [];
  return by.length ? by.flatMap(([h, r]) => rows(r, h)) : rows(refs);
}

// ---------------------------------------------------------------- the frontier in one sentence

const radiusWord = (series: FrontierSeries, radius: number) => (series.method === 'cvar' ? `α = ${radius}` : `ρ = ${radius}`);
const seriesName = (s: FrontierSeries) => `${s.method}:${s.fusion ?? ''}${s.heldOut !== undefined ? ` (held out ${s.heldOut})` : ''}`;

/**
 * What the radius frontier shows, in one sentence per held-out group: with two methods at matched
 * radii, which one has the higher robust accuracy and whether their seed bands (± sd) separate;
 * with one, how moving from B = 0 (ERM) to its largest radius changes accuracy and robust accuracy.
 */
export function frontierSentence(frontier: readonly FrontierSeries[]): string | null {
  if (!frontier.length) return null;
  const groups = new Map<string, FrontierSeries[]>();
  for (const s of frontier) groups.set(s.heldOut ?? '', [...(groups.get(s.heldOut ?? '') ?? []), s]);
  const sentences = [...groups.values()].map((ss) => {
    const mm = ss.find((s) => s.method === 'mm-dro'), chi = ss.find((s) => s.method === 'chi2');
    if (mm && chi) {
      const radii = mm.points.filter((p) => !p.isErm && chi.points.some((q) => !q.isErm && q.radius === p.radius)).map((p) => p.radius);
      const pairs = radii.map((r) => ({ r, a: mm.points.find((p) => !p.isErm && p.radius === r)!, b: chi.points.find((p) => !p.isErm && p.radius === r)! }))
        .filter(({ a, b }) => finite(a.robustAccuracy.mean) && finite(b.robustAccuracy.mean));
      if (pairs.length) {
        const diffs = pairs.map(({ a, b }) => a.robustAccuracy.mean! - b.robustAccuracy.mean!);
        const ahead = diffs.filter((d) => d > 0).length;
        const separated = pairs.filter(({ a, b }) => Math.abs(a.robustAccuracy.mean! - b.robustAccuracy.mean!) > (a.robustAccuracy.sd ?? 0) + (b.robustAccuracy.sd ?? 0)).map(({ r }) => r);
        const where = `At matched radius (${radiusWord(mm, pairs[0].r)}${pairs.length > 1 ? `${pairs.length > 2 ? ', ' + pairs.slice(1, -1).map(({ r }) => String(r)).join(', ') : ''} and ${pairs[pairs.length - 1].r}` : ''})`;
        const gap = Math.abs(mean(diffs)).toFixed(3);
        const lead = ahead === pairs.length ? `${seriesName(mm)} has the higher robust accuracy at every radius, by ${gap} on average`
          : ahead === 0 ? `${seriesName(chi)} has the higher robust accuracy at every radius, by ${gap} on average`
          : `${seriesName(mm)} has the higher robust accuracy at ${ahead} of ${pairs.length} radii (mean difference ${signed(mean(diffs))})`;
        const bands = separated.length === 0 ? 'but the seed bands (± sd) overlap everywhere, so the frontier does not separate the two methods'
          : separated.length === pairs.length ? 'and the seed bands (± sd) do not overlap at any of them'
          : `and the seed bands (± sd) separate only at ${separated.map((r) => radiusWord(mm, r)).join(', ')}`;
        return `${where}, ${lead}, ${bands}.`;
      }
    }
    const parts = ss.map((s) => {
      const erm = s.points.find((p) => p.isErm), last = [...s.points].reverse().find((p) => !p.isErm);
      if (!erm || !last || !finite(erm.accuracy.mean) || !finite(last.accuracy.mean)) return null;
      const dAcc = last.accuracy.mean - erm.accuracy.mean;
      const dRob = finite(last.robustAccuracy.mean) && finite(erm.robustAccuracy.mean) ? last.robustAccuracy.mean - erm.robustAccuracy.mean : null;
      return `${seriesName(s)} from B = 0 (${erm.configuration}) to ${radiusWord(s, last.radius)} changes accuracy by ${signed(dAcc)}${dRob !== null ? ` and robust accuracy by ${signed(dRob)}` : ''}`;
    }).filter((x): x is string => x !== null);
    if (!parts.length) return null;
    return `Along the frontier (means over seeds), ${parts.join('; ')}.`;
  }).filter((x): x is string => x !== null);
  return sentences.length ? sentences.join(' ') : null;
}

// ---------------------------------------------------------------- summary

/** "a", "a and b", "a, b and c". */
export function listWords(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function best(configs: readonly ConfigurationAggregate[], key: 'accuracy' | 'robustAccuracy'): ConfigurationAggregate | undefined {
  return configs.filter((c) => finite(c.metrics[key].mean)).sort((a, b) => b.metrics[key].mean! - a.metrics[key].mean!)[0];
}

/** At most this many configuration-vs-ERM pairs with a real difference are spelled out in the summary (the comparisons section has them all). */
const MAX_REAL_IN_SUMMARY = 6;
const COMPARED_WORDS = { accuracy: 'accuracy', robustAccuracy: 'robust accuracy', worstGroupAccuracy: 'worst-group accuracy' } as const;

const NUMBER_WORDS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The subject of a sentence about some configurations: "erm:early", "erm:early and chi2:early",
 * "Four configurations (a, b, c and d)", or "Every configuration" when the group is all of them.
 * Configuration labels are never capitalised (they are identifiers).
 */
function subject(labels: readonly string[], all: number): { who: string; many: boolean } {
  if (labels.length === all && all > 1) return { who: 'Every configuration', many: false };
  if (labels.length > 2) return { who: `${capital(NUMBER_WORDS[labels.length] ?? String(labels.length))} configurations (${listWords(labels)})`, many: true };
  return { who: listWords(labels), many: labels.length > 1 };
}
const range3 = (v: number[]) => { const lo = Math.min(...v), hi = Math.max(...v); return lo.toFixed(3) === hi.toFixed(3) ? f3(lo) : `${f3(lo)} to ${f3(hi)}`; };
const range2 = (v: number[]) => { const lo = Math.min(...v), hi = Math.max(...v); return lo.toFixed(2) === hi.toFixed(2) ? lo.toFixed(2) : `${lo.toFixed(2)} to ${hi.toFixed(2)}`; };

/**
 * Where the configurations break, grouped: one sentence per distinct worst break (the
 * configurations that share it named together), then one per most-exposed modality.
 */
export function breakSummary(breaks: readonly BreakRow[]): string[] {
  const out: string[] = [];
  const all = breaks.length;
  const byBreak = new Map<string, BreakRow[]>();
  for (const b of breaks) {
    if (!b.worst) continue;
    const k = b.worst.drop <= 0.005 ? 'none' : `${b.worst.test}\u0000${b.worst.modality}`;
    byBreak.set(k, [...(byBreak.get(k) ?? []), b]);
  }
  for (const [k, group] of byBreak) {
    const { who, many } = subject(group.map((b) => b.configuration), all);
    if (k === 'none') { out.push(`${who} barely ${many ? 'break' : 'breaks'}: no single-modality corruption lowers ${many ? 'their' : 'its'} accuracy by more than 0.005.`); continue; }
    const w = group[0].worst!;
    if (group.length === 1) {
      out.push(`${who} breaks most ${breakInWords(w)}: accuracy ${f3(w.clean!)} → ${f3(w.accuracy!)}, a drop of ${f3(w.drop)} (mean over ${plural(w.n, 'seed')}).`);
    } else {
      out.push(`${who} ${many ? 'break' : 'breaks'} most ${breakInWords(w)}, with mean drops in accuracy of ${range3(group.map((b) => b.worst!.drop))}.`);
    }
  }
  const byExposure = new Map<string, BreakRow[]>();
  for (const b of breaks) {
    if (!b.exposure) continue;
    const k = b.exposure.exposed ? b.exposure.modality : '';
    byExposure.set(k, [...(byExposure.get(k) ?? []), b]);
  }
  for (const [modality, group] of byExposure) {
    const { who, many } = subject(group.map((b) => b.configuration), all);
    const shares = group.map((b) => b.exposure!.share);
    const whose = who === 'Every configuration' ? "every configuration's loss" : many ? `the losses of ${who.replace(/^[A-Z]/, (c) => c.toLowerCase())}` : `the loss of ${who}`;
    out.push(modality
      ? `${capital(whose)} ${many ? 'are' : 'is'} most exposed to a shift in ${modality} (mean share ${range2(shares)}).`
      : `No single modality's shift moves ${whose} much (largest share ${range2(shares)}, below 0.05).`);
  }
  return out;
}

/** The real differences with ERM, one sentence per configuration and reference, then how many comparisons show none. */
export function realDifferenceSummary(comparisons: readonly Comparison[]): string[] {
  const compared = comparisons.filter((c) => c.meanDiff !== null && c.ci !== null);
  const real = compared.filter((c) => c.real);
  if (!compared.length) return [];
  if (!real.length) return [`None of the ${plural(compared.length, 'seed-paired comparison')} with ERM shows a real difference: every 95% interval includes 0.`];
  const pairs = new Map<string, Comparison[]>();
  for (const c of real) pairs.set(`${c.b}\u0000${c.a}`, [...(pairs.get(`${c.b}\u0000${c.a}`) ?? []), c]);
  const out: string[] = [];
  const what = (c: Comparison) => `${COMPARED_WORDS[c.metric]} (${signed(c.meanDiff!)}, 95% CI ${num3(c.ci![0])} to ${num3(c.ci![1])})`;
  for (const cs of [...pairs.values()].slice(0, MAX_REAL_IN_SUMMARY)) {
    const ref = referenceInWords(cs[0]);
    const better = cs.filter((c) => c.meanDiff! > 0), worse = cs.filter((c) => c.meanDiff! < 0);
    const parts = [
      ...(better.length ? [`better than ${ref} on ${listWords(better.map(what))}`] : []),
      ...(worse.length ? [`${better.length ? 'worse on' : `worse than ${ref} on`} ${listWords(worse.map(what))}`] : []),
    ];
    out.push(`Real difference${cs.length > 1 ? 's' : ''}: ${cs[0].b} is ${parts.join(', and ')}.`);
  }
  const morePairs = Math.max(0, pairs.size - MAX_REAL_IN_SUMMARY);
  const rest = compared.length - real.length;
  const tail = rest ? `the other ${plural(rest, 'comparison')} with ERM show${rest === 1 ? 's' : ''} no real difference (the 95% interval includes 0).` : 'every comparison with ERM shows a real difference.';
  out.push(capital(`${morePairs ? `${plural(morePairs, 'further configuration', 'further configurations')} with a real difference ${morePairs === 1 ? 'is' : 'are'} listed under Comparisons; ` : ''}${tail}`));
  return out;
}

/** "ERM (intermediate)". */
export function referenceInWords(c: Pick<Comparison, 'a' | 'against'>): string {
  const fusion = c.against === 'erm-early' ? 'early' : /^erm:([a-z-]+)/.exec(c.a)?.[1];
  return fusion ? `ERM (${fusion})` : c.a;
}

/**
 * The summary: what was run, the best configurations, the references, where the configurations
 * break and which modality's shift each is most exposed to, which differences with ERM are real,
 * and the frontier. Every sentence is distinct; none is repeated.
 */
export function writeExperimentSummary(m: ExperimentReportModel): string[] {
  const out: string[] = [];
  const configs = m.aggregate.configurations;
  const cells = m.cells.length;
  const ok = m.statusCounts.succeeded ?? 0;
  const seeds = [...new Set(m.cells.map((c) => c.seed).filter((s): s is number => s !== null))];
  const ds = `${m.experiment.dataset.name} v${m.experiment.dataset.version}`;
  const scope = `${plural(configs.length, 'configuration')} × ${plural(seeds.length, 'seed')} on ${ds}`;
  const left = cells - ok;
  out.push(left === 0 ? `${scope}: all ${plural(cells, 'run')} succeeded.`
    : `${scope}: ${ok} of ${plural(cells, 'run')} succeeded; ${left === 1 ? 'the other is' : `the other ${left} are`} left out of every statistic (retry with drmm experiments retry ${m.experiment.id}).`);
  if (!configs.some((c) => c.seeds.length)) return out;

  const most = Math.max(...configs.map((c) => c.seeds.length));
  const show = (c: ConfigurationAggregate, k: 'accuracy' | 'robustAccuracy') => {
    const s = c.metrics[k];
    return `${f3(s.mean!)}${finite(s.sd) ? ` ± ${f3(s.sd)}` : ''}${c.seeds.length < most ? `, ${plural(c.seeds.length, 'seed')}` : ''}`;
  };
  const acc = best(configs, 'accuracy'), rob = best(configs, 'robustAccuracy');
  if (acc && rob && acc === rob) out.push(`${acc.label} has both the highest mean accuracy (${show(acc, 'accuracy')}) and the highest mean robust accuracy (${show(rob, 'robustAccuracy')}).`);
  else if (acc && rob) out.push(`The highest mean accuracy is ${acc.label}'s (${show(acc, 'accuracy')}); the highest mean robust accuracy is ${rob.label}'s (${show(rob, 'robustAccuracy')}).`);

  const refs = m.aggregate.references;
  const scored = configs.filter((c) => finite(c.metrics.accuracy.mean));
  const n = scored.length;
  const beat = (ref: number, what: string) => {
    const k = scored.filter((c) => c.metrics.accuracy.mean! > ref).length;
    if (k === n) return `${n === 1 ? 'the configuration beats' : 'every configuration beats'} ${what}`;
    if (k === 0) return `no configuration beats ${what}`;
    return `${k} of ${n} configurations ${k === 1 ? 'beats' : 'beat'} ${what}`;
  };
  const maj = refs.majorityAccuracy.mean, lr = refs.logisticRegression?.accuracy.mean;
  const refParts = [
    ...(finite(maj) ? [beat(maj, `the majority class (${f3(maj)})`)] : []),
    ...(finite(lr) ? [beat(lr, `the logistic regression (${f3(lr)})`)] : []),
  ];
  if (refParts.length) out.push(`On mean accuracy, ${refParts.join(', and ')}.`);

  out.push(...breakSummary(m.breaks));
  out.push(...realDifferenceSummary(m.worstGroupEqualsAccuracy ? m.aggregate.comparisons.filter((c) => c.metric !== 'worstGroupAccuracy') : m.aggregate.comparisons));
  if (m.frontierSentence) out.push(m.frontierSentence);
  return [...new Set(out)];
}

// ---------------------------------------------------------------- appendix

export function runDetails(configs: readonly ConfigurationAggregate[], runs: Runs): RunDetail[] {
  return configs.flatMap((c) => [...(runs.get(c.label) ?? [])].sort((a, b) => (a.seed ?? 0) - (b.seed ?? 0)).map((r): RunDetail => {
    const e = evalOf(r);
    const enc = e.encoder.available ? e.encoder : null;
    return {
      runId: r.runId, configuration: c.label, seed: r.seed, splitDescription: e.splitDescription, nTest: e.nTest, classes: e.classes,
      confusion: e.nominal.confusion, ...(r.bestEpoch !== undefined ? { bestEpoch: r.bestEpoch } : {}), trainingB: finite(r.trainingB) ? r.trainingB : null,
      bound: {
        bEval: e.distributional.bEval, meanLoss: e.distributional.meanLoss, chi2Exact: e.distributional.chi2Exact, chi2ClosedForm: e.distributional.chi2ClosedForm,
        measuredLossAll: enc?.measuredLossAll ?? null, bound: enc?.bound ?? null, severity: enc?.severity ?? null,
      },
      history: r.history ?? [],
    };
  }));
}
