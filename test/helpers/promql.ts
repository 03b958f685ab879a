// Pulls metric names out of PromQL expressions (alerts and dashboards), so a test can
// check each one against what the broker exports.
const NOT_METRICS = new Set([
  'sum', 'avg', 'min', 'max', 'count', 'rate', 'irate', 'increase', 'deriv', 'delta', 'absent', 'histogram_quantile',
  'max_over_time', 'min_over_time', 'avg_over_time',
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'topk', 'bottomk',
  'clamp_min', 'clamp_max', 'abs', 'time', 'vector', 'scalar', 'label_replace',
]);

export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"[^"]*"/g, '""') // label values
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, ' ') // grouping labels
    .replace(/(^|[^a-zA-Z0-9_:])\d+(\.\d+)?([eE][+-]?\d+)?/g, '$1 '); // numbers, 1e9 included
  const names = stripped.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return [...new Set(names.filter((n) => !NOT_METRICS.has(n)))];
}

/** Names as exported in the text format ("# TYPE name kind"), with histogram series names. */
export function exportedNames(metricsText: string): Set<string> {
  const out = new Set<string>();
  for (const m of metricsText.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, kind] = m;
    out.add(name!);
    if (kind === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(name! + s);
    if (kind === 'summary') for (const s of ['_sum', '_count']) out.add(name! + s);
  }
  return out;
}
