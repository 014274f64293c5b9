/**
 * Quality floor (METHOD.md §6, issue "Trustworthy answers"): with default settings, the product's ERM
 * (mean over 3 seeds) on the bundled dermatology sample lands within 0.03 of scikit-learn's logistic
 * regression (bench/reference/sklearn-baselines.json, 5-fold CV mean), and the reference rows are
 * what they claim: the logistic-regression reference is near sklearn's too, and both beat the majority class.
 * `npm run quality` prints the same comparison for every bundled sample.
 */
import { describe, expect, it } from 'vitest';
import { CASES, meanOf, qualityOfCase, qualityTable, QUALITY_METHODS } from '../../bench/quality';

describe('quality floors on the bundled samples', () => {
  it('dermatology: default ERM (3 seeds) within 0.03 of scikit-learn logistic regression', async () => {
    const c = CASES.find((x) => x.name === 'dermatology')!;
    const q = await qualityOfCase(c, [0, 1, 2], QUALITY_METHODS.filter((m) => m.label === 'ERM'));
    console.log(qualityTable([q], QUALITY_METHODS.filter((m) => m.label === 'ERM')));
    const sk = q.sklearn?.logreg;
    expect(sk).toBeGreaterThan(0.9);
    const erm = meanOf(q.rows.map((r) => r.methods.ERM));
    expect(Math.abs(erm - sk!)).toBeLessThanOrEqual(0.03);
    const logreg = meanOf(q.rows.map((r) => r.logreg));
    expect(Math.abs(logreg - sk!)).toBeLessThanOrEqual(0.03);
    expect(logreg).toBeGreaterThan(meanOf(q.rows.map((r) => r.majority)) + 0.3);
  }, 240_000);
});
