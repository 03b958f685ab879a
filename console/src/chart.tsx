// A time-series chart (uPlot): x is Unix seconds; each series a line. The chart is an image
// to a screen reader, so it carries a label and the page shows the latest values as text.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: Array<number | null>;
  color: string;
}

export function Chart({ title, times, series, unit }: { title: string; times: number[]; series: Series[]; unit: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth || 480),
      height: 180,
      legend: { show: true },
      // At least a minute across: one sample alone would otherwise stretch the axis over years.
      scales: { x: { time: true, range: (_u, min, max) => [Math.min(min, max - 60), max] } },
      axes: [{}, { values: (_u, ticks) => ticks.map((t) => `${+t.toFixed(2)} ${unit}`), size: 80 }],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: true }))],
    };
    plot.current?.destroy();
    plot.current = new uPlot(opts, [times, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    return () => {
      plot.current?.destroy();
      plot.current = undefined;
    };
  }, [series.length, unit]);
  useEffect(() => {
    plot.current?.setData([times, ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [times, series]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title}: ${series.map((s) => `${s.label} ${s.values[s.values.length - 1] ?? 'no data'} ${unit}`).join(', ')}`} />
    </figure>
  );
}
