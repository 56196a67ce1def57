// A self-contained HTML page around the graph's SVG (made with
// toSvg(g, { title: false })): no script, no network, opens from file://.
import { escapeXml as esc } from '../text.js'
import type { LabGraph } from './model.js'
import { SANS } from './style.js'

export function graphHtml(g: LabGraph, svg: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(g.title)}</title>
<style>
body { font-family: ${SANS}; color: #0f172a; margin: 24px; background: #ffffff; }
h1 { font-size: 20px; margin: 0 0 12px; }
h2 { font-size: 15px; margin: 20px 0 8px; }
.graph { overflow-x: auto; border: 1px solid #e2e8f0; border-radius: 8px; padding: 8px; display: inline-block; max-width: 100%; }
</style>
</head>
<body>
<h1>${esc(g.title)}</h1>
<div class="graph">
${svg}
</div>
</body>
</html>
`
}
