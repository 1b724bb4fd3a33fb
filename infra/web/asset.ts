/**
 * `asset()`: the URL a page links a built or static file by. A file the
 * build produced under a content-hashed name (`/styles.css` ->
 * `/_build/static/styles-3f2a….css`, cached for a year) is linked by that
 * name; any other path is returned as it is.
 *
 * @module
 */

/** True in the browser, false while the server renders. */
export const IS_BROWSER: boolean = typeof document !== "undefined";

// Renders are synchronous (renderToString), so one module-level slot holds
// the current build's names for the render in progress.
let current: Readonly<Record<string, string>> = {};

/**
 * The URL to link `path` by.
 *
 * @example
 * ```tsx
 * <link rel="stylesheet" href={asset("/styles.css")} />
 * ```
 */
export function asset(path: string): string {
  return current[path] ?? path;
}

/** Runs a synchronous render with `files` (public path -> URL) as {@link asset}'s table. */
export function withAssets<T>(files: Readonly<Record<string, string>>, render: () => T): T {
  const outer = current;
  current = files;
  try {
    return render();
  } finally {
    current = outer;
  }
}
