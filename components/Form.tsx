import type { ComponentChildren } from "preact";
import type { FormState } from "../utils.ts";

/** The form's overall error, if any, above the fields. */
export function FormAlert({ state }: { state?: FormState }) {
  if (!state?.error) return null;
  return (
    <p
      role="alert"
      class="mb-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700"
    >
      {state.error.message}
    </p>
  );
}

/** A labelled field with its own error message beside it. */
export function Field(
  props: {
    name: string;
    label: string;
    state?: FormState;
    type?: string;
    multiline?: boolean;
    maxLength?: number;
    autocomplete?: string;
    value?: string;
  },
) {
  const error = props.state?.error?.fields[props.name];
  const value = props.state?.values[props.name] ?? props.value ?? "";
  const base =
    `mt-1 block w-full rounded-md border px-3 py-2 text-sm shadow-sm focus:outline-none focus:ring-2 ${
      error
        ? "border-red-400 focus:ring-red-200"
        : "border-slate-300 focus:border-indigo-400 focus:ring-indigo-100"
    }`;
  return (
    <label class="mb-4 block">
      <span class="text-sm font-medium text-slate-700">{props.label}</span>
      {props.multiline
        ? (
          <textarea
            name={props.name}
            rows={4}
            maxLength={props.maxLength}
            class={base}
            aria-invalid={error ? "true" : undefined}
          >
            {value}
          </textarea>
        )
        : (
          <input
            name={props.name}
            type={props.type ?? "text"}
            value={props.type === "password" ? "" : value}
            maxLength={props.maxLength}
            autocomplete={props.autocomplete}
            class={base}
            aria-invalid={error ? "true" : undefined}
          />
        )}
      {error && (
        <span class="mt-1 block text-sm text-red-600" data-field-error={props.name}>{error}</span>
      )}
    </label>
  );
}

/** The primary button. */
export function Button(
  { children, name, value }: { children: ComponentChildren; name?: string; value?: string },
) {
  return (
    <button
      type="submit"
      name={name}
      value={value}
      class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-700"
    >
      {children}
    </button>
  );
}

/** A white card. */
export function Card({ children }: { children: ComponentChildren }) {
  return (
    <section class="rounded-xl border border-slate-200 bg-white p-5 shadow-sm">{children}</section>
  );
}
