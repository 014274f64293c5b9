/**
 * The report's own glossary (METHOD.md v2, in words and MathML): every exported report explains its
 * terms itself, so a reader of the file never needs the design notes. MathML renders natively in
 * Chromium (the app, the PDF) and in Firefox and Safari.
 */

const mi = (x: string) => `<mi>${x}</mi>`;
/** Operators; brackets and bars never stretch (they would grow around sub/superscripts). */
const mo = (x: string) => (/^[[\]()|]$/.test(x) ? `<mo stretchy="false">${x}</mo>` : `<mo>${x}</mo>`);
const mn = (x: string) => `<mn>${x}</mn>`;
const sub = (base: string, s: string) => `<msub>${base}${s}</msub>`;
const sqrt = (x: string) => `<msqrt>${x}</msqrt>`;
const row = (...xs: string[]) => `<mrow>${xs.join('')}</mrow>`;

/** A formula as display MathML (its plain-text reading kept in `alttext` for copy and screen readers). */
export function mathBlock(body: string, alt: string): string {
  return `<math display="block" alttext="${alt.replace(/"/g, '&quot;')}">${body}</math>`;
}
/** An inline symbol or short formula. */
export function mathInline(body: string, alt: string): string {
  return `<math alttext="${alt.replace(/"/g, '&quot;')}">${body}</math>`;
}

const rhoK = sub(mi('ρ'), mi('k'));
const ell = mi('ℓ');
const E = (x: string) => row(mi('E'), mo('['), x, mo(']'));

/** Inline symbols used in the report's prose. */
export const SYM = {
  rhoK: mathInline(rhoK, 'rho_k'),
  bEval: mathInline(sub(mi('B'), mi('eval')), 'B_eval'),
  gammaIJ: mathInline(sub(mi('γ'), row(mi('i'), mi('j'))), 'gamma_ij'),
  mK: mathInline(sub(mi('m'), mi('k')), 'm_k'),
  rK: mathInline(sub(mi('R'), mi('k')), 'R_k'),
  lK: mathInline(sub(mi('L'), mi('k')), 'L_k'),
  epsK: mathInline(sub(mi('ε'), mi('k')), 'epsilon_k'),
};

/** Display formulas, each with its plain-text reading. */
export const FORMULA = {
  effectiveRadius: mathBlock(
    row(mi('B'), mo('='), row(mo('∑'), rhoK), mo('+'), mn('2'), row(`<munder>${mo('∑')}${row(mi('i'), mo('&lt;'), mi('j'))}</munder>`, mo('|'), sub(mi('γ'), row(mi('i'), mi('j'))), mo('|'), sqrt(row(sub(mi('ρ'), mi('i')), sub(mi('ρ'), mi('j')))))),
    'B = sum_k rho_k + 2 sum_{i<j} |gamma_ij| sqrt(rho_i rho_j)',
  ),
  closedForm: mathBlock(row(E(ell), mo('+'), sqrt(row(mi('B'), mo('·'), mi('Var'), ell))), 'E[l] + sqrt(B Var l)'),
  exactDual: mathBlock(
    row(`<munder>${mi('min')}${mi('η')}</munder>`, mi('η'), mo('+'), sqrt(row(mn('1'), mo('+'), mi('B'))), mo('·'), sqrt(E(row(`<msubsup>${row(mo('('), ell, mo('−'), mi('η'), mo(')'))}${mo('+')}${mn('2')}</msubsup>`)))),
    'min_eta eta + sqrt(1+B) sqrt(E[(l - eta)_+^2])',
  ),
  robustAccuracy: mathBlock(row(mi('mean'), mo('('), sub(mi('w'), mi('i')), mo('*'), mo('·'), mn('1'), mo('['), sub(mi('ŷ'), mi('i')), mo('='), sub(mi('y'), mi('i')), mo(']'), mo(')')), 'mean(w*_i · 1[yhat_i = y_i])'),
  shiftRisk: mathBlock(row(sub(mi('R'), mi('k')), mo('='), E(ell), mo('+'), sqrt(mi('ρ')), mo('·'), mi('sd'), mo('('), sub(mi('m'), mi('k')), mo(')'), mo(','), mspace(), sub(mi('m'), mi('k')), mo('='), E(row(ell, mo('|'), `<msup>${mi('x')}${mi('k')}</msup>`))), 'R_k = E[l] + sqrt(rho) sd(m_k), m_k = E[l | x^k]'),
  extendedBound: mathBlock(row(mi('r'), mo('+'), row(mo('('), mn('1'), mo('+'), sqrt(mi('B')), mo(')')), row(mo('∑'), sub(mi('L'), mi('k')), sub(mi('ε'), mi('k')))), 'r + (1 + sqrt(B)) sum_k L_k epsilon_k'),
};

function mspace(): string { return '<mspace width="1em"/>'; }

/** The glossary entries of the report: term, formula (optional), explanation. */
export const GLOSSARY: { id: string; term: string; formula?: string; text: string }[] = [
  { id: 'g-chi2', term: 'χ² ball', text: 'All reweightings Q of the test rows with E_P[(dQ/dP − 1)²] ≤ ρ (no ½ factor): how far a shift may move the data distribution.' },
  { id: 'g-rho', term: `Per-modality radius ${SYM.rhoK}`, text: 'How far modality k alone may shift. Chosen by hand (default 0.1), by a confidence level (χ²₁ quantile / n), or from the environments of a group column.' },
  { id: 'g-gamma', term: `Coupling ${SYM.gammaIJ}`, text: 'How strongly shifts of two modalities move together: the Gaussian-copula correlation of the losses each modality explains. Estimated, or fixed as independent (0) or coupled (1).' },
  { id: 'g-b', term: 'Effective radius B', formula: FORMULA.effectiveRadius, text: 'The χ² radius of the joint shift that modality-aware DRO guards against. One modality: B = ρ; independent modalities: B = Σρ_k.' },
  { id: 'g-beval', term: `Evaluation radius ${SYM.bEval}`, text: 'One radius shared by every run in the report, so methods meet on equal terms: by default B from ρ_k = 0.1 per modality and the γ of the data, a property of the data, not of any method.' },
  { id: 'g-exact', term: 'χ² worst case (exact) and closed form', formula: FORMULA.exactDual + FORMULA.closedForm, text: 'The largest mean loss over the χ² ball: the exact value solves a one-dimensional problem in η; the closed form equals it while every worst-case weight stays non-negative and is an upper bound otherwise.' },
  { id: 'g-robacc', term: 'Robust accuracy', formula: FORMULA.robustAccuracy, text: 'Accuracy on the worst-case reweighting w* of the test rows: the χ² weights at B_eval that maximise the mean log-loss. It equals accuracy at B = 0 and separates two models of equal accuracy whose confident mistakes differ.' },
  { id: 'g-shift', term: 'Modality shift sensitivity', formula: FORMULA.shiftRisk, text: 'The worst case when only modality k shifts. m_k is estimated by cross-fitted ridge regression of each row\'s log-loss on what the model sees of modality k; the share sd(m_k)/sd(ℓ) says how much of the loss spread that modality drives (0: none, 1: all).' },
  { id: 'g-cvar', term: 'CVaR at α', text: 'The mean loss of the worst α fraction of the test rows (α = 0.1, 0.2 in the tables).' },
  { id: 'g-worst', term: 'Worst-group accuracy', text: 'The lowest accuracy over the groups with at least max(10, 2% of the test rows) rows; smaller groups are pooled and listed, so a single row never decides it.' },
  { id: 'g-stress', term: 'Stress tests and relative robustness', text: 'Per modality: Gaussian noise (σ = severity × the training sd), feature dropout (each feature replaced by its training mean with probability = severity), and the modality missing. Relative robustness is the area under the accuracy-vs-severity curve divided by its range.' },
  { id: 'g-bound', term: 'Extended bound', formula: FORMULA.extendedBound, text: `r is the robust risk at B_eval; ${SYM.lK} the 95th percentile of how strongly the loss leans on embedding k, ${SYM.epsK} how far noise moves that embedding. It is a guarantee, not a prediction: it holds for every shift of that size, so it usually lies far above the loss actually measured under noise.` },
  { id: 'g-refs', term: 'Reference rows', text: 'Always predicting the training split\'s most frequent class, and a logistic regression (one linear layer over all modalities, L2) on the same split: the obvious baselines a model must beat.' },
  { id: 'g-boot', term: 'Paired bootstrap interval', text: '1000 resamples of the test rows (fixed seed), the same rows for both runs; a difference is called real only when its 95% interval excludes 0.' },
];

export function glossaryHtml(): string {
  return `<dl class="glossary">${GLOSSARY.map((g) => `<dt id="${g.id}">${g.term}</dt><dd>${g.formula ?? ''}${g.text}</dd>`).join('\n')}</dl>`;
}
