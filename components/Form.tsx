import type { ComponentChildren } from "preact";
import type { FormState } from "../utils/forms.ts";
import CountedTextarea from "../islands/CountedTextarea.tsx";

/**
 * The form's overall error, if any, above the fields. When the fields carry
 * their own messages it stays away: each message is said once, on its field.
 */
export function FormAlert({ state }: { state?: FormState }) {
  if (!state?.error || Object.keys(state.error.fields).length > 0) return null;
  return (
    <p
      role="alert"
      data-form-error
      class="mb-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800"
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
    /** Shown under the label, e.g. the rule the value must follow. */
    hint?: string;
  },
) {
  const error = props.state?.error?.fields[props.name];
  const value = props.state?.values[props.name] ?? props.value ?? "";
  const id = `field-${props.name}`;
  const errorId = error ? `${id}-error` : undefined;
  const hintId = props.hint ? `${id}-hint` : undefined;
  const base =
    `mt-1 block w-full rounded-md border bg-white px-3 py-2 text-base shadow-sm placeholder:text-slate-500 focus:outline-none focus:ring-2 sm:text-sm ${
      error
        ? "border-red-500 focus:ring-red-200"
        : "border-slate-400 focus:border-indigo-500 focus:ring-indigo-100"
    }`;
  return (
    <div class="mb-4" data-field={props.name}>
      <label for={id} class="block text-sm font-medium text-slate-800">{props.label}</label>
      {props.hint && <p id={hintId} class="text-xs text-slate-600">{props.hint}</p>}
      {props.multiline
        ? (
          <CountedTextarea
            id={id}
            name={props.name}
            maxLength={props.maxLength ?? 2000}
            value={value}
            errorId={errorId}
            class={base}
          />
        )
        : (
          <input
            id={id}
            name={props.name}
            type={props.type ?? "text"}
            value={props.type === "password" ? "" : value}
            maxLength={props.maxLength}
            autocomplete={props.autocomplete}
            class={base}
            aria-invalid={error ? "true" : undefined}
            aria-describedby={[errorId, hintId].filter(Boolean).join(" ") || undefined}
          />
        )}
      {error && (
        <p id={errorId} class="mt-1 text-sm text-red-700" data-field-error={props.name}>
          {error}
        </p>
      )}
    </div>
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
      class="min-h-11 rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-700"
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
