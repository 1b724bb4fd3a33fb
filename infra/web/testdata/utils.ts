/** Fixture app's state and error, as an app would declare them. */

export type State = {
  /** Each middleware on the way in appends its name. */
  trail: string[];
  user?: string;
};

/** Shaped like the app's AppError tree (domain/errors.ts): code, status, fields. */
export class FixtureError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    options: { message?: string; fields?: Record<string, string> } = {},
  ) {
    super(options.message ?? code);
    this.fields = options.fields ?? {};
  }
  readonly fields: Record<string, string>;
}

/** A 303 to `location`, as a form POST is answered. */
export function seeOther(location: string): Response {
  return new Response(null, { status: 303, headers: { location } });
}
