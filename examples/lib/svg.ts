// Hand-written SVG charts for the examples (no dependencies): the document header, "nice" ticks, number labels, axes.

/** A number as a tick label: three significant digits, and "0" within 1e-9 of zero. */
export const fmt = (v: number): string => (Math.abs(v) < 1e-9 ? "0" : Number(v.toPrecision(3)).toString());

/** The opening `<svg>` tag of a `w`×`h` chart (sans-serif, 12 px) and its white background. */
export const svgOpen = (w: number, h: number): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">\n` +
  `<rect width="${w}" height="${h}" fill="white"/>\n`;

/** "Nice" tick values covering [lo, hi]: multiples of 1, 2 or 5 × 10ᵏ, about `target` of them. */
export function ticks(lo: number, hi: number, target = 6): number[] {
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push(v);
  return out;
}

/** The plot area of a chart, in pixels: its top-left corner and its size. */
export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The plot area of a `w`×`h` chart inside the given margins. */
export const plotArea = (
  w: number,
  h: number,
  m: { left: number; right: number; top: number; bottom: number },
): PlotArea => ({
  left: m.left,
  top: m.top,
  width: w - m.left - m.right,
  height: h - m.top - m.bottom,
});

/** One axis of a chart: the data range [lo, hi] to put ticks on, and the map from data values to pixels. */
export interface Axis {
  lo: number;
  hi: number;
  scale: (v: number) => number;
}

/**
 * Axes round `area`: a light grid line across it and a label at each y tick, a tick mark and a label below it at each
 * x tick, then the frame: the left and bottom axis lines, or with `"box"` a rectangle round the area.
 */
export function axes(area: PlotArea, x: Axis, y: Axis, frame: "axes" | "box" = "axes"): string {
  const { left, top, width, height } = area;
  const [right, bottom] = [left + width, top + height];
  let s = "";
  for (const t of ticks(y.lo, y.hi)) {
    s += `<line x1="${left}" x2="${right}" y1="${y.scale(t)}" y2="${y.scale(t)}" stroke="#e4e4e4"/>\n`;
    s += `<text x="${left - 6}" y="${y.scale(t) + 4}" text-anchor="end">${fmt(t)}</text>\n`;
  }
  for (const t of ticks(x.lo, x.hi)) {
    s += `<line x1="${x.scale(t)}" x2="${x.scale(t)}" y1="${bottom}" y2="${bottom + 5}" stroke="black"/>\n`;
    s += `<text x="${x.scale(t)}" y="${bottom + 18}" text-anchor="middle">${fmt(t)}</text>\n`;
  }
  if (frame === "box") {
    s += `<rect x="${left}" y="${top}" width="${width}" height="${height}" fill="none" stroke="black"/>\n`;
  } else {
    s += `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="black"/>\n`;
    s += `<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="black"/>\n`;
  }
  return s;
}

/** Axis titles: `xTitle` centred under `area`, near the foot of a chart `h` high, and `yTitle` turned up its left. */
export const axisTitles = (area: PlotArea, h: number, xTitle: string, yTitle: string): string =>
  `<text x="${area.left + area.width / 2}" y="${h - 12}" text-anchor="middle">${xTitle}</text>\n` +
  `<text transform="translate(18 ${area.top + area.height / 2}) rotate(-90)" text-anchor="middle">${yTitle}</text>\n`;

/**
 * A training curve: per-step training losses (a thin line), validation losses at some steps (a thick line with
 * points), and a dashed reference level (`ln V`, a uniform guess) — the chart of the sequence examples (07, 10).
 */
export function trainingCurveSvg(
  title: string,
  train: number[],
  valid: [number, number][],
  reference: { value: number; label: string },
  yTitle: string,
): string {
  const [W, H] = [640, 400];
  const area = plotArea(W, H, { left: 64, right: 20, top: 36, bottom: 52 });
  const yMax = Math.max(reference.value, ...train, ...valid.map(([, y]) => y)) * 1.05;
  const sx = (s: number) => area.left + (s / train.length) * area.width;
  const sy = (y: number) => area.top + area.height - (y / yMax) * area.height;
  let s = svgOpen(W, H);
  s += `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${title}</text>\n`;
  s += axes(area, { lo: 0, hi: train.length, scale: sx }, { lo: 0, hi: yMax, scale: sy });
  const ry = sy(reference.value);
  s += `<line x1="${area.left}" x2="${area.left + area.width}" y1="${ry}" y2="${ry}" stroke="#999" stroke-dasharray="5 4"/>\n`;
  s += `<text x="${area.left + area.width - 4}" y="${ry - 5}" text-anchor="end" fill="#666">${reference.label}</text>\n`;
  const trainPts = train.map((y, i) => `${sx(i + 1).toFixed(1)},${sy(y).toFixed(1)}`).join(" ");
  s += `<polyline points="${trainPts}" fill="none" stroke="#1f77b4" stroke-width="1.2" stroke-opacity="0.8"/>\n`;
  const validPts = valid.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" ");
  s += `<polyline points="${validPts}" fill="none" stroke="#d95f02" stroke-width="2"/>\n`;
  for (const [x, y] of valid)
    s += `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3.5" fill="#d95f02"/>\n`;
  const lx = area.left + area.width - 190;
  s += `<line x1="${lx}" x2="${lx + 24}" y1="${area.top + 56}" y2="${area.top + 56}" stroke="#1f77b4" stroke-width="2"/>\n`;
  s += `<text x="${lx + 30}" y="${area.top + 60}">training batch loss</text>\n`;
  s += `<line x1="${lx}" x2="${lx + 24}" y1="${area.top + 76}" y2="${area.top + 76}" stroke="#d95f02" stroke-width="2"/>\n`;
  s += `<text x="${lx + 30}" y="${area.top + 80}">validation loss (held out)</text>\n`;
  s += axisTitles(area, H, "training step", yTitle);
  return `${s}</svg>\n`;
}
