/**
 * `<Head>`: what a page, layout or island puts in the document's `<head>`
 * (a title, a description), collected while the page renders and written
 * into `<head>` once it is done. A `<title>` given this way replaces the
 * one `_app` wrote.
 *
 * @module
 */
import { type ComponentChildren, createContext } from "preact";
import { useContext } from "preact/hooks";

/** Props of {@link Head}. */
export type HeadProps = { children: ComponentChildren };

/** Where `<Head>` children are collected during one render (`null` in the browser). */
export const HeadContext = createContext<ComponentChildren[] | null>(null);

/**
 * Adds its children to the document's `<head>`. Renders nothing in place.
 *
 * @example
 * ```tsx
 * <Head>
 *   <title>About us</title>
 *   <meta name="description" content="Who we are" />
 * </Head>
 * ```
 */
export function Head(props: HeadProps): null {
  // In the browser (an island re-rendering) there is no collector: a no-op.
  useContext(HeadContext)?.push(props.children);
  return null;
}
