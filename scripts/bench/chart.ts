/**
 * A hand-rolled SVG of horizontal bar panels, one per part of the benchmark, each with its target as a dashed
 * line: enough to see at a glance which figures meet their targets, with no charting dependency.
 */
export interface Bar {
  label: string;
  value: number;
  /** The figure as printed at the end of the bar, e.g. "0.041" or "129 ms". */
  text: string;
  /** Meets its target (green), misses it (red), or has none (grey). */
  verdict?: "met" | "missed";
  /** This bar's own target, drawn as a tick across its row (when bars of one panel have different ones). */
  target?: number;
}

export interface Panel {
  title: string;
  bars: Bar[];
  /** A dashed vertical line at this value. */
  target?: { value: number; label: string };
  /** Smaller is better (latency, memory): only changes the axis note. */
  lowerIsBetter?: boolean;
}

const WIDTH = 880;
const LABEL_WIDTH = 330;
const PLOT_WIDTH = 440;
const BAR_HEIGHT = 18;
const BAR_GAP = 6;
const COLOURS = { met: "#2e7d32", missed: "#c62828", none: "#78909c" } as const;

const escape = (text: string): string =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

function panelSvg(panel: Panel, top: number): { svg: string; height: number } {
  const max =
    Math.max(...panel.bars.flatMap((b) => [b.value, b.target ?? 0]), panel.target?.value ?? 0) * 1.1 || 1;
  const x = (value: number): number => LABEL_WIDTH + (Math.max(0, value) / max) * PLOT_WIDTH;
  const parts: string[] = [
    `<text x="16" y="${top + 20}" font-size="15" font-weight="bold">${escape(panel.title)}</text>`,
  ];
  const barsTop = top + 34;
  panel.bars.forEach((bar, index) => {
    const y = barsTop + index * (BAR_HEIGHT + BAR_GAP);
    const colour = COLOURS[bar.verdict ?? "none"];
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${y + 13}" font-size="12" text-anchor="end">${escape(bar.label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${Math.max(1, x(bar.value) - LABEL_WIDTH).toFixed(1)}" ` +
        `height="${BAR_HEIGHT}" fill="${colour}"/>`,
      `<text x="${(x(bar.value) + 6).toFixed(1)}" y="${y + 13}" font-size="12">${escape(bar.text)}</text>`,
    );
    if (bar.target !== undefined) {
      const tx = x(bar.target).toFixed(1);
      parts.push(
        `<line x1="${tx}" x2="${tx}" y1="${y - 3}" y2="${y + BAR_HEIGHT + 3}" stroke="#000" stroke-width="2" ` +
          `stroke-dasharray="3 2"/>`,
      );
    }
  });
  const barsHeight = panel.bars.length * (BAR_HEIGHT + BAR_GAP);
  if (panel.target) {
    const tx = x(panel.target.value).toFixed(1);
    parts.push(
      `<line x1="${tx}" x2="${tx}" y1="${barsTop - 6}" y2="${barsTop + barsHeight}" stroke="#000" ` +
        `stroke-dasharray="4 3"/>`,
      `<text x="${tx}" y="${barsTop + barsHeight + 14}" font-size="11" text-anchor="middle">` +
        `${escape(panel.target.label)}${panel.lowerIsBetter ? " (lower is better)" : ""}</text>`,
    );
  }
  return { svg: parts.join("\n"), height: 34 + barsHeight + 30 };
}

export function renderChart(title: string, subtitle: string, panels: Panel[]): string {
  let top = 56;
  const bodies: string[] = [];
  for (const panel of panels) {
    const { svg, height } = panelSvg(panel, top);
    bodies.push(svg);
    top += height + 8;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top}" viewBox="0 0 ${WIDTH} ${top}" ` +
      `font-family="DejaVu Sans, Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="16" y="24" font-size="18" font-weight="bold">${escape(title)}</text>`,
    `<text x="16" y="44" font-size="12" fill="#555">${escape(subtitle)}</text>`,
    ...bodies,
    `</svg>`,
    "",
  ].join("\n");
}
