// A small SVG writer: one log-x line chart per series, side by side.

/** One chart. */
export interface Series {
  title: string;
  x: number[];
  y: number[];
  unit: string;
  xUnit: string;
}

const W = 320;
const H = 220;
const PAD = { left: 56, right: 16, top: 32, bottom: 40 };

function escape(text: string): string {
  return text.replace(/[<>&]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;" })[c]!);
}

function chart(series: Series, offset: number): string {
  const lx = series.x.map((v) => Math.log10(v));
  const [x0, x1] = [Math.min(...lx), Math.max(...lx)];
  const y1 = Math.max(...series.y) * 1.1 || 1;
  const px = (v: number) =>
    offset + PAD.left + ((v - x0) / (x1 - x0 || 1)) * (W - PAD.left - PAD.right);
  const py = (v: number) => PAD.top + (1 - v / y1) * (H - PAD.top - PAD.bottom);
  const points = lx.map((v, i) => `${px(v).toFixed(1)},${py(series.y[i]).toFixed(1)}`).join(" ");
  const labels = series.x.map((v, i) =>
    `<text x="${px(lx[i]).toFixed(1)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${v}</text>`
  ).join("");
  const values = series.y.map((v, i) =>
    `<circle cx="${px(lx[i]).toFixed(1)}" cy="${py(v).toFixed(1)}" r="3"/>` +
    `<text x="${px(lx[i]).toFixed(1)}" y="${(py(v) - 8).toFixed(1)}" text-anchor="middle">${
      v < 10 ? v.toFixed(1) : v.toFixed(0)
    }</text>`
  ).join("");
  return `<g font-family="sans-serif" font-size="11">
  <text x="${offset + W / 2}" y="18" text-anchor="middle" font-weight="bold">${
    escape(series.title)
  }</text>
  <line x1="${offset + PAD.left}" y1="${H - PAD.bottom}" x2="${offset + W - PAD.right}" y2="${
    H - PAD.bottom
  }" stroke="#999"/>
  <line x1="${offset + PAD.left}" y1="${PAD.top}" x2="${offset + PAD.left}" y2="${
    H - PAD.bottom
  }" stroke="#999"/>
  <text x="${offset + 12}" y="${H / 2}" transform="rotate(-90 ${offset + 12} ${
    H / 2
  })" text-anchor="middle">${escape(series.unit)}</text>
  <text x="${offset + W / 2}" y="${H - 6}" text-anchor="middle">${
    escape(series.xUnit)
  } (log scale)</text>
  <polyline fill="none" stroke="#2563eb" stroke-width="2" points="${points}"/>
  <g fill="#2563eb">${values}</g>${labels}
</g>`;
}

/** Writes the series as one SVG file, a chart each, left to right. */
export async function writeChart(path: string, series: Series[]): Promise<void> {
  const body = series.map((s, i) => chart(s, i * W)).join("\n");
  await Deno.writeTextFile(
    path,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${
      W * series.length
    }" height="${H}" viewBox="0 0 ${
      W * series.length
    } ${H}">\n<rect width="100%" height="100%" fill="white"/>\n${body}\n</svg>\n`,
  );
}
