// Vitest 5's reporter calls Map.groupBy / Object.groupBy (Node ≥ 21). On Node 20 a failing test
// would crash the reporter and hide the failure; these spec-conformant shims keep it readable.
if (typeof Map.groupBy !== 'function') {
  Map.groupBy = function groupBy(items, keyFn) {
    const map = new Map();
    let i = 0;
    for (const item of items) {
      const key = keyFn(item, i++);
      const list = map.get(key);
      if (list) list.push(item);
      else map.set(key, [item]);
    }
    return map;
  };
}
if (typeof Object.groupBy !== 'function') {
  Object.groupBy = function groupBy(items, keyFn) {
    const out = Object.create(null);
    let i = 0;
    for (const item of items) {
      const key = keyFn(item, i++);
      (out[key] ??= []).push(item);
    }
    return out;
  };
}
