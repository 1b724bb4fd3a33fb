import { useSignal } from "@preact/signals";

export default function Greeting({ name }: { name: string }) {
  const shown = useSignal(true);
  return (
    <p class="font-bold" onClick={() => shown.value = !shown.value}>
      Hello {shown.value ? name : ""}
    </p>
  );
}
