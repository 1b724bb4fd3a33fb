import { signal } from "@preact/signals";
import Counter from "../islands/Counter.tsx";
import Greeting from "../islands/Greeting.tsx";

export const HOSTILE = "</script><script>alert(1)</script>";

export default function IslandsPage() {
  return (
    <main>
      <Counter start={signal(0)} label={HOSTILE} since={new Date("2024-01-02T03:04:05Z")} />
      <Greeting name="Ada" />
    </main>
  );
}
