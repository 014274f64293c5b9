/**
 * The words of distributionally robust training, in plain language (METHOD.md, version 2): one
 * entry per term, shown as a tooltip wherever the term appears (components/Term.svelte) and in
 * full on the Glossary screen. Formulas are MathML (rendered by the browser, read by screen
 * readers), built from the small helpers below — never raw text like `Σ_{i<j}`.
 */
import { METHOD_LABELS } from './api-types';

// ---- MathML helpers (static strings: no user input ever reaches them) ----------------------
const mi = (x: string) => `<mi>${x}</mi>`;
const mn = (x: string | number) => `<mn>${x}</mn>`;
const mo = (x: string) => `<mo>${x}</mo>`;
const row = (...xs: string[]) => `<mrow>${xs.join('')}</mrow>`;
const sub = (a: string, b: string) => `<msub>${a}${b}</msub>`;
const sup = (a: string, b: string) => `<msup>${a}${b}</msup>`;
const subsup = (a: string, b: string, c: string) => `<msubsup>${a}${b}${c}</msubsup>`;
const sqrt = (...xs: string[]) => `<msqrt>${xs.join('')}</msqrt>`;
const frac = (a: string, b: string) => `<mfrac>${a}${b}</mfrac>`;
const under = (a: string, b: string) => `<munder>${a}${b}</munder>`;
const text = (x: string) => `<mtext>${x}</mtext>`;
const paren = (...xs: string[]) => row(mo('('), ...xs, mo(')'));
const bracket = (...xs: string[]) => row(mo('['), ...xs, mo(']'));
const abs = (...xs: string[]) => row(mo('|'), ...xs, mo('|'));
const sum = (below: string) => under(mo('∑'), below);

/** `<math>` element around a formula; `block` for display style. */
export function math(body: string, opts: { block?: boolean; label?: string } = {}): string {
  return `<math${opts.block ? ' display="block"' : ''}${opts.label ? ` aria-label="${opts.label}"` : ''}>${body}</math>`;
}

const rho = mi('ρ');
const rhoK = sub(rho, mi('k'));
const rhoI = sub(rho, mi('i'));
const rhoJ = sub(rho, mi('j'));
const gammaIJ = sub(mi('γ'), row(mi('i'), mi('j')));
const ell = mi('ℓ');
const E = mi('E');
const B = mi('B');
const Beval = sub(mi('B'), text('eval'));

/** Symbols as they appear in labels (inline MathML). */
export const SYMBOLS = {
  rhoK: math(rhoK),
  gamma: math(gammaIJ),
  gammaPlain: math(mi('γ')),
  B: math(B),
  Beval: math(Beval),
} as const;

export interface GlossaryEntry {
  /** Anchor on the Glossary screen and key for <Term>. */
  id: string;
  /** The term in words. */
  title: string;
  /** Its symbol as inline MathML, when it has one. */
  symbol?: string;
  /** One or two sentences: the tooltip. */
  short: string;
  /** The longer explanation on the Glossary screen (plain text paragraphs). */
  more?: string[];
  /** Display formulas (MathML), each with a caption in words. */
  formulas?: { math: string; caption?: string }[];
  /** Where in the app it appears. */
  where?: string;
}

export const GLOSSARY: GlossaryEntry[] = [
  {
    id: 'rho',
    title: 'Modality radius',
    symbol: SYMBOLS.rhoK,
    short: 'How far the data of modality k alone may shift — a χ² divergence — in the worst case the model trains against. 0 = no robustness; larger = more cautious. Default 0.1.',
    more: [
      'Each modality (feature group) has its own radius. A modality you expect to change between sites or over time (a different scanner, a new lab protocol) deserves a larger radius than a stable one.',
      'The χ² divergence here has no ½ factor (the formula below).',
    ],
    formulas: [
      { math: math(row(sub(mi('D'), sup(mi('χ'), mn(2))), paren(sub(mi('Q'), mi('k')), mo('‖'), sub(mi('P'), mi('k'))), mo('='), sub(E, sub(mi('P'), mi('k'))), bracket(sup(paren(frac(row(mi('d'), sub(mi('Q'), mi('k'))), row(mi('d'), sub(mi('P'), mi('k')))), mo('−'), mn(1)), mn(2))), mo('≤'), rhoK), { block: true }), caption: 'the shifted distribution Q of modality k stays within radius $rhoK$ of the training distribution P' },
    ],
    where: 'Experiment → Modalities ($rhoK$ column), Robustness → Radius rule',
  },
  {
    id: 'gamma',
    title: 'Coupling between modalities',
    symbol: SYMBOLS.gamma,
    short: 'How strongly two modalities shift together: 0 = independently, 1 = in lockstep. Estimated from the data by default (the correlation of the losses each modality explains).',
    more: [
      'estimated: a linear head per modality is trained during the warm-up; $gamma$ is the Gaussian-copula correlation between the per-sample losses of modality i and modality j. independent: γ = 0. coupled: |γ| = 1. manual: a matrix you give.',
    ],
    formulas: [
      { math: math(row(gammaIJ, mo('='), text('Pearson'), paren(sub(mi('z'), mi('i')), mo(','), sub(mi('z'), mi('j'))), mo(','), mspace(), sub(mi('z'), row(mi('k'), mo(','), mi('n'))), mo('='), sup(mi('Φ'), row(mo('−'), mn(1))), paren(frac(row(text('rank'), paren(sub(mi('u'), row(mi('k'), mo(','), mi('n'))))), row(mi('N'), mo('+'), mn(1))))), { block: true }), caption: 'u: the loss of each sample n under modality k’s own head; Φ⁻¹: the normal quantile' },
    ],
    where: 'Experiment → Robustness → Coupling γ',
  },
  {
    id: 'B',
    title: 'Effective radius',
    symbol: SYMBOLS.B,
    short: 'The one radius that the per-modality radii add up to, once their coupling is counted: the size of the joint shift the model is trained against.',
    more: [
      'One modality: $B$ = ρ. Independent modalities: $B$ = the sum of the $rhoK$. Fully coupled: $B$ = (the sum of the √$rhoK$)². The modality-aware robust risk is the mean loss + √$B$ × its standard deviation.',
    ],
    formulas: [
      { math: math(row(B, mo('='), sum(mi('k')), rhoK, mo('+'), mn(2), sum(row(mi('i'), mo('<'), mi('j'))), abs(gammaIJ), sqrt(rhoI, rhoJ)), { block: true }), caption: 'effective radius from the modality radii $rhoK$ and the couplings $gamma$' },
    ],
    where: 'Experiment → Robustness (Effective radius B)',
  },
  {
    id: 'Beval',
    title: 'Evaluation radius',
    symbol: SYMBOLS.Beval,
    short: 'The one radius every run in a report is measured at, so that methods meet on equal terms. Default: $B$ with $rhoK$ = 0.1 per modality and the γ estimated on the dataset — a property of the data, not of any method.',
    more: ['A run’s own training $B$ is shown beside it but never used to score it. You can set $Beval$ in the Report screen’s header.'],
    where: 'Report header ($Beval$), robust accuracy, distributional robustness',
  },
  {
    id: 'objective-form',
    title: 'Closed form vs exact',
    short: 'Two ways to compute the χ² worst-case loss in training. Closed form: mean loss + √$B$ × its standard deviation (fast, the default). Exact: the true worst case, solved on every batch. They agree unless the radius is large.',
    more: [
      'The closed form equals the exact value while the worst-case weights stay non-negative, and is a strict upper bound otherwise; up to a radius of 0.5 the two agree to five digits.',
    ],
    formulas: [
      { math: math(row(text('closed form:'), mspace(), text('mean'), paren(ell), mo('+'), sqrt(B), mo('·'), text('sd'), paren(ell)), { block: true }) },
      { math: math(row(text('exact:'), mspace(), sub(mi('R'), sup(mi('χ'), mn(2))), paren(B), mo('='), under(text('min'), mi('η')), row(mo('{'), mi('η'), mo('+'), sqrt(mn(1), mo('+'), B), mo('·'), sqrt(E, bracket(subsup(paren(ell, mo('−'), mi('η')), mo('+'), mn(2)))), mo('}'))), { block: true }) },
    ],
    where: 'Experiment → Advanced → DRO objective',
  },
  {
    id: 'radius-rule',
    title: 'Radius rules',
    short: 'How the modality radii $rhoK$ are chosen: manual (you set each, default 0.1), statistical (from a confidence level α and the training size), or from environments (measured between the groups of the data).',
    more: [
      'statistical: the radius a confidence interval of level 1 − α would give with n training rows (formula below).',
      'from environments: needs a group column (hospital, source, period). For each pair of groups a classifier on modality k alone tries to tell them apart; the more it can, the more that modality shifts between groups. $rhoK$ is the largest such shift over the pairs.',
    ],
    formulas: [
      { math: math(row(text('statistical:'), mspace(), rho, mo('='), frac(subsup(mi('χ'), row(mn(1), mo(','), mn(1), mo('−'), mi('α')), mn(2)), mi('n'))), { block: true }) },
      { math: math(row(text('from environments:'), mspace(), rhoK, mo('='), sub(text('mean'), mi('s')), bracket(sup(paren(mi('w'), mo('−'), mn(1)), mn(2))), mo(','), mspace(), mi('w'), mo('='), frac(row(mi('p'), paren(mi('t'), mo('|'), sup(mi('x'), mi('k')))), row(mi('p'), paren(mi('s'), mo('|'), sup(mi('x'), mi('k'))))), mo('·'), frac(sub(mi('n'), mi('s')), sub(mi('n'), mi('t')))), { block: true }), caption: 'w clipped to [0, 20]; the largest value over pairs of environments s, t' },
    ],
    where: 'Experiment → Robustness → Radius rule',
  },
  {
    id: 'warmup',
    title: 'γ warm-up',
    short: 'The first epochs train the plain average loss (no robust objective) while one small head per modality learns; at the end of the warm-up γ is estimated from those heads, then the robust objective takes over.',
    more: ['With “re-estimate γ every epoch” γ keeps being updated after the warm-up; otherwise it stays fixed. Used only when γ is estimated.'],
    where: 'Experiment → Advanced → γ warm-up epochs',
  },
  {
    id: 'robust-accuracy',
    title: 'Robust accuracy',
    short: 'Accuracy on the worst-case reweighting of the test set: the χ² weights within radius $Beval$ that maximise the mean log-loss, applied to whether each prediction is right. Equals accuracy at $B$ = 0.',
    more: ['It separates two models of equal accuracy whose errors and unsure predictions fall differently: the one whose largest losses are its errors drops most.'],
    formulas: [
      { math: math(row(text('robust accuracy'), mo('='), text('mean'), paren(sub(sup(mi('w'), mo('*')), mi('i')), mo('·'), mn(1), bracket(sub(mover(mi('y'), mo('^')), mi('i')), mo('='), sub(mi('y'), mi('i'))))), { block: true }), caption: 'w*: the optimal χ² weights of the per-sample log-losses at $Beval$' },
    ],
    where: 'Report, History and Report run lists (Robust acc.)',
  },
  {
    id: 'shift-sensitivity',
    title: 'Modality shift sensitivity',
    short: 'How much the loss would grow if modality k alone shifted (radius ρ = 0.1), and its share: which modality’s shift the model is most exposed to.',
    more: ['m, the part of the loss that modality k explains, is estimated on the test split by cross-fitted ridge regression of the loss on modality k (5 folds).'],
    formulas: [
      { math: math(row(sub(mi('R'), mi('k')), mo('='), E, bracket(ell), mo('+'), sqrt(rho), mo('·'), text('sd'), paren(sub(mi('m'), mi('k'))), mo(','), mspace(), sub(mi('m'), mi('k')), paren(sup(mi('x'), mi('k'))), mo('='), E, bracket(ell, mo('|'), sup(mi('x'), mi('k'))), mo(','), mspace(), text('share'), mo('='), frac(row(text('sd'), paren(sub(mi('m'), mi('k')))), row(text('sd'), paren(ell)))), { block: true }) },
    ],
    where: 'Report → Modality shift sensitivity',
  },
  {
    id: 'worst-group-accuracy',
    title: 'Worst-group accuracy',
    short: 'The lowest accuracy over the groups (hospitals, sources…) with at least max(10, 2% of the test rows) test rows; smaller groups are pooled into one row.',
    where: 'Report → Groups; model selection',
  },
  {
    id: 'min-steps',
    title: 'Minimum steps',
    short: 'A floor on optimiser steps (default 300): small data gets more epochs so that no run stops near its starting point. 0 = off.',
    formulas: [
      { math: math(row(text('epochs run'), mo('='), text('max'), paren(text('epochs'), mo(','), row(mo('⌈'), frac(text('min. steps'), text('steps per epoch')), mo('⌉')))), { block: true }) },
    ],
    where: 'Experiment → Advanced → Min. steps',
  },
  {
    id: 'patience',
    title: 'Patience (in steps)',
    short: 'Early stopping: training stops once this many optimiser steps have passed without a better epoch (by the model-selection rule). Counted in steps, so it means the same on every dataset size. 0 = never stop early.',
    where: 'Experiment → Advanced → Patience (steps)',
  },
  {
    id: 'experiment',
    title: 'Experiment and configuration',
    short: 'An experiment is a grid: configurations (method and fusion, with a training radius and a held-out group where given) × seeds, one run per cell. Runs with the same configuration are seeds of it; the report compares configurations over their seeds.',
    where: 'Experiment → Experiment grid; History; Training',
  },
  {
    id: 'seeds',
    title: 'Seeds',
    short: 'Each seed fixes the train / validation / test split, the initial weights and the batch order — never the method. Several seeds give a mean ± interval per configuration, and runs of one seed are compared on the same test rows (seed-paired).',
    more: ['A count N means the seeds 0, 1, …, N − 1; a list names them (0, 3, 7 or a range 0-4).'],
    where: 'Experiment → Experiment grid → Seeds',
  },
  {
    id: 'training-radii',
    title: 'Training radii (a radius grid)',
    short: 'Several radii ρ to train at, one configuration each, to see how accuracy and robustness trade off as the radius grows (the radius frontier; ERM is the point ρ = 0). Used by χ²-DRO, KL-DRO and modality-aware DRO; needs the manual radius rule.',
    more: [
      'For modality-aware DRO a grid radius is $rhoK$ for every modality when the Modalities panel gives them all the same radius; when they differ, the grid values scale them (ρ×0.5 halves each $rhoK$).',
      'Leave it empty to train each method once, at the radii of the Modalities panel.',
    ],
    where: 'Experiment → Experiment grid → Training radii',
  },
  {
    id: 'cvar-alpha',
    title: 'CVaR level α',
    short: 'CVaR-DRO trains on the mean loss of the worst α-fraction of samples: α = 1 is plain ERM, smaller α is more cautious. A list of levels gives one configuration each.',
    where: 'Experiment → Experiment grid → CVaR levels; Advanced → CVaR α',
  },
  {
    id: 'held-out',
    title: 'Held-out groups (leave one environment out)',
    short: 'Each chosen group (hospital, source, period…) in turn becomes the whole test set, and the model trains on the others: how well does it carry over to a group it never saw? One configuration per held-out group.',
    where: 'Experiment → Experiment grid → Held-out groups (split: leave one group out)',
  },
  {
    id: 'selected-epoch',
    title: 'Selected epoch',
    short: 'The epoch whose weights the run keeps, by the model-selection rule (lowest validation loss by default). Drawn as a dashed line on the training curves.',
    where: 'Training charts',
  },
];

/** Methods, by the same names everywhere (METHOD_LABELS). */
export const METHOD_GLOSSARY: { method: string; label: string; short: string }[] = [
  { method: 'erm', label: METHOD_LABELS.erm!, short: 'Empirical risk minimisation: the average loss. The baseline.' },
  { method: 'chi2', label: METHOD_LABELS.chi2!, short: 'One χ² ball of radius ρ over the whole sample: mean loss + √ρ × its standard deviation (closed form) or the exact worst case.' },
  { method: 'cvar', label: METHOD_LABELS.cvar!, short: 'The mean loss of the worst α-fraction of samples (CVaR α, default 0.2).' },
  { method: 'kl', label: METHOD_LABELS.kl!, short: 'The worst case over a Kullback–Leibler ball of radius ρ: it up-weights samples exponentially in their loss.' },
  { method: 'group-dro', label: METHOD_LABELS['group-dro']!, short: 'The worst group’s loss (Sagawa et al. 2020): weights over groups follow the groups that do worst. Needs a group column.' },
  { method: 'mm-dro', label: METHOD_LABELS['mm-dro']!, short: 'Modality-aware DRO (Yang & Ma 2025): one radius $rhoK$ per modality, coupled by γ into the effective radius $B$; trains the mean loss + √$B$ × its standard deviation.' },
  { method: 'logreg', label: METHOD_LABELS.logreg!, short: 'Logistic regression on all features: the reference every report shows beside the models.' },
];

const escapeHtml = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Glossary prose as HTML: the text escaped, and each symbol token — `$rhoK$`, `$gamma$`, `$B$`,
 * `$Beval$` — as inline MathML, so that no raw `ρ_k` or `B_eval` reaches the screen.
 */
export function richText(t: string): string {
  return escapeHtml(t).replace(/\$(rhoK|gamma|B|Beval)\$/g, (_, k: keyof typeof SYMBOLS) => SYMBOLS[k]);
}

export const GLOSSARY_BY_ID: Record<string, GlossaryEntry> = Object.fromEntries(GLOSSARY.map((e) => [e.id, e]));

function mspace(): string {
  return '<mspace width="1em"></mspace>';
}
function mover(a: string, b: string): string {
  return `<mover>${a}${b}</mover>`;
}
