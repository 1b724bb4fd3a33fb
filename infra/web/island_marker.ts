/**
 * Server side of islands: while a page renders, every element whose
 * component is an island's default export is wrapped in an
 * `<agora-island data-name data-props>` marker, which the browser runtime
 * hydrates. Routes import islands as plain components; nothing else marks them.
 *
 * @module
 */
import { type ComponentType, createContext, h, options, type VNode } from "preact";
import { useContext } from "preact/hooks";
import { ISLAND_TAG, stringifyIslandProps } from "./island_props.ts";

/** Island components by identity, with the name the browser bundle knows them by. */
export type IslandRegistry = ReadonlyMap<ComponentType<never>, string>;

type MarkerProps = {
  name: string;
  component: ComponentType<never>;
  props: Record<string, unknown>;
};

// Renders are synchronous (renderToString), so one module-level slot is
// enough to scope the hook to the render in progress.
let active: IslandRegistry | null = null;
let creatingIsland = false;

const InsideIsland = createContext(false);

function IslandMarker({ name, component, props }: MarkerProps) {
  creatingIsland = true;
  let island: VNode;
  try {
    island = h(component as ComponentType<Record<string, unknown>>, props);
  } finally {
    creatingIsland = false;
  }
  // An island inside an island is plain markup of the outer one.
  if (useContext(InsideIsland)) return island;
  const marker = h(ISLAND_TAG, {
    "data-name": name,
    "data-props": stringifyIslandProps(props, name),
    style: "display:contents",
  }, island);
  return h(InsideIsland.Provider, { value: true }, marker);
}

const previousVnodeHook = options.vnode;
options.vnode = (vnode) => {
  if (active && !creatingIsland && typeof vnode.type === "function") {
    const name = active.get(vnode.type as ComponentType<never>);
    if (name !== undefined) {
      const props: MarkerProps = {
        name,
        component: vnode.type as ComponentType<never>,
        props: vnode.props as Record<string, unknown>,
      };
      const rewritten: { type: unknown; props: unknown } = vnode;
      rewritten.type = IslandMarker;
      rewritten.props = props;
    }
  }
  previousVnodeHook?.(vnode);
};

/**
 * Runs a synchronous render with the islands of `registry` marked.
 *
 * @example
 * ```ts
 * const html = withIslands(registry, () => renderToString(<Page />));
 * ```
 */
export function withIslands<T>(registry: IslandRegistry, render: () => T): T {
  const outer = active;
  active = registry;
  try {
    return render();
  } finally {
    active = outer;
  }
}
