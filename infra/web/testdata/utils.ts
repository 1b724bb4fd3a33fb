/** Fixture app's state and `define`, as an app would declare them in its utils.ts. */
import { createDefine } from "../mod.ts";

export type State = {
  /** Each middleware on the way in appends its name. */
  trail: string[];
  user?: string;
};

export const define = createDefine<State>();

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
