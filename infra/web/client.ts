/// <reference lib="dom" />
/**
 * The browser runtime: hydrates every island marker the server wrote with
 * its component and props. The build's generated entry imports this and
 * every island, and calls {@link hydrateIslands} once.
 *
 * @module
 */
import { type ComponentType, h, hydrate } from "preact";
import { ISLAND_TAG, parseIslandProps } from "./island_props.ts";

/**
 * Hydrates each `<agora-island>` in the document. One island failing (an
 * unknown name, unreadable props, a throwing component) is logged and does
 * not stop the others.
 *
 * @example
 * ```ts
 * import LikeButton from "../islands/LikeButton.tsx";
 * hydrateIslands({ LikeButton });
 * ```
 */
export function hydrateIslands(
  islands: Readonly<Record<string, ComponentType<Record<string, unknown>>>>,
  root: ParentNode = document,
): void {
  for (const marker of root.querySelectorAll<HTMLElement>(ISLAND_TAG)) {
    // Markers inside another island belong to it (the server writes none, but be safe).
    if (marker.parentElement?.closest(ISLAND_TAG)) continue;
    const name = marker.dataset.name ?? "";
    try {
      const island = islands[name];
      if (!island) throw new Error(`no island named "${name}" in this bundle`);
      hydrate(h(island, parseIslandProps(marker.dataset.props ?? "[{}]")), marker);
    } catch (error) {
      console.error(`island ${name}: hydration failed`, error);
    }
  }
}
