/** Report charts: pure functions returning self-contained SVG strings. */
export { lineChart, type LineSeries, type LineChartOptions } from './line';
export { barChart, type BarSeries, type BarChartOptions } from './bar';
export { heatmap, heatColor, type HeatmapOptions } from './heatmap';
export { esc, fmt, colorAt, PALETTE } from './svg';
