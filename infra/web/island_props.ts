/**
 * How an island travels in the HTML, shared by the server (which writes the
 * marker) and the browser runtime (which reads it): the marker tag, and its
 * props as devalue text, with signals kept as signals.
 *
 * @module
 */
import { Signal, signal } from "@preact/signals";
import { DevalueError, parse, stringify } from "devalue";

/** The element that wraps each island's server-rendered HTML. */
export const ISLAND_TAG = "agora-island";

// Wrapped in an array so a falsy signal value (0, "", false) still counts as
// "this reducer took it" for devalue.
const reducers = {
  Signal: (value: unknown) => value instanceof Signal && [value.peek()],
};

const revivers = {
  Signal: ([value]: [unknown]) => signal(value),
};

/**
 * Island props as text: Date, Map, Set, BigInt, URL, cycles and signals
 * survive; functions, class instances and JSX do not, and say which prop.
 * The text is JSON with `<` escaped, safe in an HTML attribute or script.
 *
 * @example
 * ```ts
 * const text = stringifyIslandProps({ count: signal(1) }, "Counter");
 * parseIslandProps(text).count; // a signal holding 1
 * ```
 */
export function stringifyIslandProps(props: Record<string, unknown>, island: string): string {
  try {
    return stringify(props, reducers);
  } catch (error) {
    if (!(error instanceof DevalueError)) throw error;
    const where = error.path ? ` at props${error.path}` : "";
    throw new TypeError(`island ${island}: ${error.message}${where}; island props must be data`, {
      cause: error,
    });
  }
}

/** The props written by {@link stringifyIslandProps}. */
export function parseIslandProps(text: string): Record<string, unknown> {
  const props: unknown = parse(text, revivers);
  return typeof props === "object" && props !== null ? props as Record<string, unknown> : {};
}
