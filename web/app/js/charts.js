// Two small SVG charts, drawn by hand: a chart library would weigh more
// than the whole dashboard (uPlot ~50 KB, Chart.js ~200 KB) for a line and
// stacked bars.

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes = {}, children = []) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** A line of the latest response times (ms); failures as red dots. */
export function sparkline(points, { width = 120, height = 28 } = {}) {
  const chart = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "sparkline", role: "img" });
  const values = points.map((p) => p.ms).filter((ms) => ms !== null && ms !== undefined);
  chart.setAttribute("aria-label", values.length ? `Response times, last ${values.length}: latest ${values.at(-1)} ms` : "No response times yet");
  if (points.length < 2) return chart;
  const max = Math.max(1, ...values);
  const x = (i) => (i / (points.length - 1)) * (width - 4) + 2;
  const y = (ms) => height - 2 - (ms / max) * (height - 4);
  const line = points.map((p, i) => (p.ms === null || p.ms === undefined ? null : `${x(i).toFixed(1)},${y(p.ms).toFixed(1)}`)).filter(Boolean);
  chart.append(svg("polyline", { points: line.join(" "), class: "line" }));
  points.forEach((p, i) => {
    if (!p.up) chart.append(svg("circle", { cx: x(i), cy: height - 3, r: 2, class: "fail" }));
  });
  return chart;
}

export const PHASES = ["dns_ms", "connect_ms", "tls_ms", "ttfb_ms", "transfer_ms"];
const PHASE_NAMES = { dns_ms: "DNS", connect_ms: "Connect", tls_ms: "TLS", ttfb_ms: "First byte", transfer_ms: "Transfer" };

/**
 * A check's phases: DNS, connect, TLS and first byte are each their own span
 * (the API's `timings`), and what is left of `total_ms` is the transfer.
 */
export function phasesOf(timings) {
  const t = timings ?? {};
  const value = (key) => (t[key] === undefined ? null : t[key]);
  const measured = ["dns_ms", "connect_ms", "tls_ms", "ttfb_ms"].reduce((sum, key) => sum + (t[key] ?? 0), 0);
  const transfer = value("total_ms") === null ? null : Math.max(0, t.total_ms - measured);
  return { dns_ms: value("dns_ms"), connect_ms: value("connect_ms"), tls_ms: value("tls_ms"), ttfb_ms: value("ttfb_ms"), transfer_ms: transfer };
}

/**
 * Stacked bars, oldest left, one per check: the phases the API returned,
 * with a phase that is null in every check left out of the legend.
 */
export function stackedBars(checks, { width = 720, height = 180 } = {}) {
  const rows = checks.map((c) => ({ ...phasesOf(c.timings), up: c.status === "up", at: c.checked_at }));
  const shown = PHASES.filter((phase) => rows.some((r) => r[phase] !== null));
  const total = (r) => shown.reduce((sum, phase) => sum + (r[phase] ?? 0), 0);
  const max = Math.max(1, ...rows.map(total));
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height + 20}`, class: "bars", role: "img",
    "aria-label": `Response time of the last ${rows.length} checks, by phase: ${shown.map((p) => PHASE_NAMES[p]).join(", ")}` });
  // At least 30 slots, so that a new monitor's few checks are bars, not blocks.
  const slot = width / Math.max(rows.length, 30);
  rows.forEach((r, i) => {
    let top = height;
    for (const phase of shown) {
      const ms = r[phase] ?? 0;
      const h = (ms / max) * (height - 10);
      top -= h;
      chart.append(svg("rect", { x: i * slot + 1, y: top, width: Math.max(slot - 2, 1), height: h, class: `phase-${phase}` },
        [svg("title", {}, [`${PHASE_NAMES[phase]}: ${ms} ms`])]));
    }
    if (!r.up) chart.append(svg("rect", { x: i * slot + 1, y: height + 4, width: Math.max(slot - 2, 1), height: 6, class: "fail" }));
  });
  chart.append(svg("text", { x: 2, y: 10, class: "axis" }, [`${max} ms`]));
  const legend = document.createElement("ul");
  legend.className = "legend";
  for (const phase of shown) {
    const item = document.createElement("li");
    item.append(svg("svg", { width: 10, height: 10 }, [svg("rect", { width: 10, height: 10, class: `phase-${phase}` })]), ` ${PHASE_NAMES[phase]}`);
    legend.append(item);
  }
  const figure = document.createElement("figure");
  figure.append(chart, legend);
  return figure;
}
