// Chart.js draws text and grid lines on a canvas, where CSS variables do not reach: its defaults follow the theme
// instead, set just before a chart is built (charts rebuild when the theme changes).
import { Chart } from 'chart.js';

export function applyChartTheme(mode: 'light' | 'dark'): void {
  Chart.defaults.color = mode === 'dark' ? '#b0b8c4' : '#535c68';
  Chart.defaults.borderColor = mode === 'dark' ? 'rgb(255 255 255 / 12%)' : 'rgb(0 0 0 / 10%)';
}
