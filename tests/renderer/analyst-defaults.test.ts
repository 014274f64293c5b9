/**
 * Pure renderer logic behind "The workbench as an analyst meets it": the split default from the
 * dataset spec, the reasons for unavailable choices, the glossary's text (no raw TeX-like
 * subscripts, every term it promises), and the report's dark theme for the frame.
 */
import { describe, expect, it } from 'vitest';
import { defaultForm, formIssues, hasProvidedSplit, splitFromSpec, unavailableReasons } from '../../renderer/src/lib/experiment-form';
import { GLOSSARY, GLOSSARY_BY_ID, METHOD_GLOSSARY, richText } from '../../renderer/src/lib/glossary';
import { METHOD_LABELS } from '../../renderer/src/lib/api-types';
import { themedReport } from '../../renderer/src/lib/report-theme';

describe('split default from the dataset spec', () => {
  const groups = ['cleveland', 'hungarian', 'switzerland', 'va'];
  it('leave-one-group-out keeps its held-out group (heart-disease holds out va)', () => {
    expect(splitFromSpec({ split: { kind: 'leave-one-group-out', heldOutGroup: 'va' } }, groups)).toMatchObject({ kind: 'leave-one-group-out', heldOutGroup: 'va', fromSpec: true });
    expect(splitFromSpec({ split: { kind: 'leave-one-group-out' } }, groups)).toMatchObject({ kind: 'leave-one-group-out', heldOutGroup: 'cleveland' });
    // without groups it cannot hold one out
    expect(splitFromSpec({ split: { kind: 'leave-one-group-out' } }, [])).toMatchObject({ kind: 'stratified', fromSpec: false });
  });
  it('a split column, per-file or per-part split is "provided"; stratified keeps its fractions; none is stratified 0.7/0.15', () => {
    for (const kind of ['column', 'files', 'parts']) {
      expect(splitFromSpec({ split: { kind, column: 's' } }).kind).toBe('provided');
      expect(hasProvidedSplit({ split: { kind } })).toBe(true);
    }
    expect(splitFromSpec({ split: { kind: 'stratified', train: 0.6, validation: 0.2 } })).toMatchObject({ kind: 'stratified', train: 0.6, validation: 0.2, fromSpec: true });
    expect(splitFromSpec({})).toMatchObject({ kind: 'stratified', train: 0.7, validation: 0.15, fromSpec: false });
    expect(splitFromSpec(null)).toMatchObject({ kind: 'stratified' });
    expect(hasProvidedSplit({ split: { kind: 'stratified' } })).toBe(false);
  });
});

describe('unavailable choices have a reason in words', () => {
  it('without groups or a split of its own', () => {
    const r = unavailableReasons({}, []);
    expect(r.providedSplit).toMatch(/no split of its own/);
    expect(r.leaveOneGroupOut).toMatch(/no group column/);
    expect(r.environments).toMatch(/group column/);
    expect(r.groupDro).toMatch(/no group column/);
    expect(r.worstGroupSelection).toMatch(/no group column/);
  });
  it('with groups and a split column, nothing is unavailable', () => {
    expect(Object.values(unavailableReasons({ split: { kind: 'column', column: 'fold' } }, ['a', 'b'])).filter(Boolean)).toEqual([]);
  });
  it('the form refuses a provided split the dataset does not have (every run would fail)', () => {
    const form = { ...defaultForm(), datasetId: 1, modalities: [{ name: 'a', width: 1, include: true, encoder: 'mlp' as const, encoderWidth: 8, rho: 0.1 }] };
    form.split.kind = 'provided';
    expect(formIssues(form, [], { providedSplit: false }).join(' ')).toMatch(/no split of its own/);
    expect(formIssues(form, [], { providedSplit: true }).join(' ')).not.toMatch(/split of its own/);
    form.split.kind = 'stratified';
    form.rhoRule = 'environments';
    expect(formIssues(form, []).join(' ')).toMatch(/environments need a group column/);
  });
});

describe('glossary', () => {
  it('explains every DRO term the issue lists', () => {
    for (const id of ['rho', 'gamma', 'B', 'Beval', 'objective-form', 'radius-rule', 'warmup', 'robust-accuracy', 'shift-sensitivity', 'min-steps', 'patience']) {
      expect(GLOSSARY_BY_ID[id]?.short.length, id).toBeGreaterThan(40);
    }
  });
  it('has no raw subscripts in its prose; symbols become MathML', () => {
    for (const e of GLOSSARY) {
      for (const t of [e.short, ...(e.more ?? []), e.where ?? '', ...(e.formulas ?? []).map((f) => f.caption ?? '')]) {
        expect(t, `${e.id}: ${t}`).not.toMatch(/_\{|[ργB]_[a-z]|Σ_|\\[a-z]+/);
      }
      for (const f of e.formulas ?? []) expect(f.math).toMatch(/^<math display="block">.*<\/math>$/s);
    }
    expect(richText('radius $rhoK$ & $Beval$ <b>')).toBe('radius <math><msub><mi>ρ</mi><mi>k</mi></msub></math> &amp; <math><msub><mi>B</mi><mtext>eval</mtext></msub></math> &lt;b&gt;');
  });
  it('names the methods as the rest of the UI does', () => {
    for (const m of METHOD_GLOSSARY) expect(m.label).toBe(METHOD_LABELS[m.method]);
    expect(METHOD_GLOSSARY.map((m) => m.method).sort()).toEqual(Object.keys(METHOD_LABELS).sort());
  });
});

describe('the report frame follows the theme', () => {
  const report = '<!doctype html>\n<html lang="en"><head><style>body{background:#fff}</style></head><body><p>x</p></body></html>';
  it('light: unchanged (the exported file is what the frame shows)', () => {
    expect(themedReport(report, 'light')).toBe(report);
  });
  it('dark: a class on <html> and one more stylesheet, after the report’s own', () => {
    const dark = themedReport(report, 'dark');
    expect(dark).toMatch(/<html class="drmm-dark" lang="en">/);
    expect(dark.indexOf('data-drmm-theme="dark"')).toBeGreaterThan(dark.indexOf('body{background:#fff}'));
    expect(dark).toMatch(/html\.drmm-dark body\{background:#1d2025/);
    expect(themedReport('<html class="x"><head></head></html>', 'dark')).toMatch(/<html class="drmm-dark x">/);
  });
});
