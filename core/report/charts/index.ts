/** Report charts: pure functions returning self-contained SVG strings. */
export { lineChart, type LineSeries, type LineChartOptions } from './line';
export { barChart, type BarSeries, type BarChartOptions } from './bar';
export { heatmap, heatColor, type HeatmapOptions } from './heatmap';
export { xyChart, type XYPath, type XYPoint, type XYChartOptions } from './xy';
export { forestPlot, type ForestRow, type ForestOptions } from './forest';
export { esc, fmt, colorAt, marker, PALETTE, type MarkerShape, type LegendItem } from './svg';
