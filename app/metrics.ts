/**
 * In-process metrics with Prometheus text output. Small on purpose: counters,
 * gauges and fixed-bucket histograms with labels.
 *
 * @example
 * ```ts
 * const metrics = new Metrics();
 * metrics.inc("commands_total", { type: "LikePost", outcome: "ok" });
 * console.log(metrics.render());
 * ```
 */
export class Metrics {
  #counters = new Map<string, Map<string, number>>();
  #gauges = new Map<string, Map<string, number>>();
  #histograms = new Map<string, Map<string, { buckets: number[]; sum: number; count: number }>>();
  #help = new Map<string, string>();

  /** Latency buckets in seconds. */
  static readonly BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

  /** Documents a metric for the `# HELP` line. */
  describe(name: string, help: string): this {
    this.#help.set(name, help);
    return this;
  }

  /** Adds `by` (default 1) to a counter. */
  inc(name: string, labels: Record<string, string> = {}, by = 1): void {
    const series = mapFor(this.#counters, name);
    const key = labelKey(labels);
    series.set(key, (series.get(key) ?? 0) + by);
  }

  /** Sets a gauge. */
  set(name: string, labels: Record<string, string>, value: number): void {
    mapFor(this.#gauges, name).set(labelKey(labels), value);
  }

  /** Records one observation (seconds) in a histogram. */
  observe(name: string, labels: Record<string, string>, value: number): void {
    const series = mapFor(this.#histograms, name);
    const key = labelKey(labels);
    const h = series.get(key) ?? { buckets: Metrics.BUCKETS.map(() => 0), sum: 0, count: 0 };
    Metrics.BUCKETS.forEach((le, i) => {
      if (value <= le) h.buckets[i]++;
    });
    h.sum += value;
    h.count++;
    series.set(key, h);
  }

  /** Current value of a counter or gauge series (tests, admin page). */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const key = labelKey(labels);
    return this.#counters.get(name)?.get(key) ?? this.#gauges.get(name)?.get(key);
  }

  /** The Prometheus text exposition of every series. */
  render(): string {
    const out: string[] = [];
    const head = (name: string, type: string) => {
      const help = this.#help.get(name);
      if (help) out.push(`# HELP ${name} ${help}`);
      out.push(`# TYPE ${name} ${type}`);
    };
    for (const [name, series] of this.#counters) {
      head(name, "counter");
      for (const [k, v] of series) out.push(`${name}${k} ${v}`);
    }
    for (const [name, series] of this.#gauges) {
      head(name, "gauge");
      for (const [k, v] of series) out.push(`${name}${k} ${v}`);
    }
    for (const [name, series] of this.#histograms) {
      head(name, "histogram");
      for (const [k, h] of series) {
        Metrics.BUCKETS.forEach((le, i) => {
          out.push(`${name}_bucket${withLabel(k, "le", String(le))} ${h.buckets[i]}`);
        });
        out.push(`${name}_bucket${withLabel(k, "le", "+Inf")} ${h.count}`);
        out.push(`${name}_sum${k} ${h.sum}`);
        out.push(`${name}_count${k} ${h.count}`);
      }
    }
    return out.join("\n") + "\n";
  }
}

function mapFor<V>(maps: Map<string, Map<string, V>>, name: string): Map<string, V> {
  let m = maps.get(name);
  if (!m) maps.set(name, m = new Map());
  return m;
}

function labelKey(labels: Record<string, string>): string {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return "";
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, "_")}"`).join(",")}}`;
}

function withLabel(key: string, name: string, value: string): string {
  const label = `${name}="${value}"`;
  return key === "" ? `{${label}}` : `${key.slice(0, -1)},${label}}`;
}
