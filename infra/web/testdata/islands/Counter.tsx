import type { Signal } from "@preact/signals";

export default function Counter(props: { start: Signal<number>; label: string; since: Date }) {
  return (
    <button type="button" class="text-red-700" onClick={() => props.start.value++}>
      {props.label}: {props.start} since {props.since.getUTCFullYear()}
    </button>
  );
}
