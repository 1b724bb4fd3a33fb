/**
 * The `<Assets />` component `_app` puts in `<head>`: the hashed stylesheet
 * and the islands script of the current build.
 *
 * @module
 */
import { createContext, type VNode } from "preact";
import { useContext } from "preact/hooks";

/** URLs of the built client files; either may be missing (no islands, no CSS). */
export type AssetUrls = {
  /** e.g. `/_build/static/styles-3f2a….css` */
  styles?: string;
  /** e.g. `/_build/static/islands-9c1e….js` */
  islands?: string;
  /** The response's CSP nonce, set on the script tag. */
  nonce?: string;
};

/** Carries the current build's {@link AssetUrls} down to `<Assets />` during a render. */
export const AssetsContext = createContext<AssetUrls>({});

/**
 * The stylesheet link and the islands module script. The script is a module,
 * so it runs once the document is parsed and may sit in `<head>`.
 *
 * @example
 * ```tsx
 * export default function App({ Component }: AppProps) {
 *   return (
 *     <html lang="en">
 *       <head>
 *         <meta charset="utf-8" />
 *         <Assets />
 *       </head>
 *       <body><Component /></body>
 *     </html>
 *   );
 * }
 * ```
 */
export function Assets(): VNode {
  const { styles, islands, nonce } = useContext(AssetsContext);
  return (
    <>
      {styles && <link rel="stylesheet" href={styles} />}
      {islands && <script type="module" src={islands} nonce={nonce} />}
    </>
  );
}
