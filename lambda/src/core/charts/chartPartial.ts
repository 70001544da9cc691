/**
 * The product-owned Mustache partial `chart`, rendered with a ChartView (layoutChart.ts) as its
 * context. Templates use it as
 *
 *   <figure class="chart">{{#appendix.chart}}{{> chart}}{{/appendix.chart}}</figure>
 *
 * Only escaped `{{ }}` tags: labels come from report data and must never become markup. Each
 * shape prints as one element on its own line; the five element keys a shape does not use are
 * `false`, so their sections print nothing (ChartView.ts says why they must all be present).
 * The attribute order of the bar chart matches the county template's former inline markup.
 */

const ELEMENTS = [
  '{{#rect}}<rect class="{{class}}" x="{{x}}" y="{{y}}" width="{{width}}" height="{{height}}" fill="{{fill}}" stroke="{{stroke}}" stroke-width="{{strokeWidth}}"/>{{/rect}}',
  '{{#line}}<line class="{{class}}" x1="{{x1}}" y1="{{y1}}" x2="{{x2}}" y2="{{y2}}" stroke="{{stroke}}" stroke-width="{{strokeWidth}}" stroke-dasharray="{{dash}}"/>{{/line}}',
  '{{#path}}<path class="{{class}}" d="{{d}}" fill="{{fill}}" stroke="{{stroke}}" stroke-width="{{strokeWidth}}"/>{{/path}}',
  '{{#circle}}<circle class="{{class}}" cx="{{cx}}" cy="{{cy}}" r="{{r}}" fill="{{fill}}" stroke="{{stroke}}" stroke-width="{{strokeWidth}}"/>{{/circle}}',
  '{{#text}}<text class="{{class}}" x="{{x}}" y="{{y}}" text-anchor="{{anchor}}" dominant-baseline="{{baseline}}" fill="{{fill}}">{{content}}</text>{{/text}}',
  '{{#polyline}}<polyline class="{{class}}" points="{{points}}" fill="{{fill}}" stroke="{{stroke}}" stroke-width="{{strokeWidth}}" stroke-dasharray="{{dash}}"/>{{/polyline}}',
].join('');

export const CHART_PARTIAL = [
  '<svg class="chart chart-{{kind}}" viewBox="{{viewBox}}" width="{{width}}" height="{{height}}" role="img" aria-label="{{title}}">',
  // Standalone section tags: Mustache drops these lines, so each shape is exactly one line.
  '{{#shapes}}',
  ELEMENTS,
  '{{/shapes}}',
  '</svg>',
].join('\n');
