/** Units the bench reports in, with the decimals each is printed (and stored) with. */
const DECIMALS = {
  "µs": 1,
  "ms": 2,
  "events/s": 0,
  "x": 2,
  "count": 0,
  "req/s": 0,
  "cmd/s": 0,
} as const;

/** A unit a figure is reported in. */
export type Unit = keyof typeof DECIMALS;

/** One measured figure, as printed and as stored in bench/results.json. */
export type Figure = { name: string; value: number; unit: Unit };

/**
 * Collects figures, printing each as `name: value unit` the moment it is
 * measured, rounded once so the line and results.json agree.
 */
export function createReport() {
  const figures: Figure[] = [];
  return {
    add(name: string, measured: { value: number; unit: Unit }): Figure {
      if (!Number.isFinite(measured.value)) throw new Error(`${name}: not a number`);
      const factor = 10 ** DECIMALS[measured.unit];
      const figure: Figure = {
        name,
        value: Math.round(measured.value * factor) / factor,
        unit: measured.unit,
      };
      figures.push(figure);
      console.log(`${figure.name}: ${figure.value} ${figure.unit}`);
      return figure;
    },
    figures: (): readonly Figure[] => figures,
  };
}

/** The report the bench sections add to. */
export type Report = ReturnType<typeof createReport>;

/** Writes `{ figures, measuredAt, machine: { cores } }` as JSON. */
export async function writeResults(path: URL, figures: readonly Figure[]): Promise<void> {
  const results = {
    figures,
    measuredAt: new Date().toISOString(),
    machine: { cores: navigator.hardwareConcurrency },
  };
  await Deno.writeTextFile(path, JSON.stringify(results, null, 2) + "\n");
}
