import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";

/** The props of {@link CountedTextarea}. */
export type CountedTextareaProps = {
  name: string;
  id: string;
  maxLength: number;
  value?: string;
  rows?: number;
  placeholder?: string;
  /** The id of the field's error message, when it has one. */
  errorId?: string;
  /** A name for screen readers when no `<label for>` names the box. */
  ariaLabel?: string;
  class?: string;
  onInput?: (value: string) => void;
};

const number = new Intl.NumberFormat("en-US");

/**
 * A textarea that says how many characters are left and sends its form on
 * Ctrl+Enter (Cmd+Enter on a Mac). Without JavaScript it is a plain textarea
 * with its limit written under it. Screen readers hear the count only near
 * the limit, not at every key.
 */
export function CountedTextarea(props: CountedTextareaProps) {
  const text = useSignal(props.value ?? "");
  const live = useSignal(false);
  useEffect(() => {
    live.value = true;
  }, []);
  const left = props.maxLength - text.value.length;
  const countId = `${props.id}-count`;
  return (
    <>
      <textarea
        id={props.id}
        name={props.name}
        rows={props.rows ?? 4}
        maxLength={props.maxLength}
        placeholder={props.placeholder}
        aria-label={props.ariaLabel}
        aria-invalid={props.errorId ? "true" : undefined}
        aria-describedby={[props.errorId, countId].filter(Boolean).join(" ")}
        class={props.class}
        value={text.value}
        onInput={(e) => {
          text.value = (e.target as HTMLTextAreaElement).value;
          props.onInput?.(text.value);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            (e.target as HTMLTextAreaElement).form?.requestSubmit();
          }
        }}
      />
      <p
        id={countId}
        data-char-count={live.value ? left : undefined}
        class={`mt-1 text-right text-xs tabular-nums ${
          left < 0 ? "text-red-700" : left <= 100 ? "text-amber-800" : "text-slate-600"
        }`}
      >
        {live.value
          ? `${number.format(left)} ${left === 1 ? "character" : "characters"} left`
          : `Up to ${number.format(props.maxLength)} characters`}
        {live.value && <span class="sr-only">. Ctrl+Enter sends.</span>}
      </p>
      <p class="sr-only" aria-live="polite">
        {live.value && left <= 100 ? `${number.format(left)} characters left` : ""}
      </p>
    </>
  );
}
