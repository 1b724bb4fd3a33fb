import {
  CountedTextarea as Box,
  type CountedTextareaProps,
} from "../components/CountedTextarea.tsx";

/** A textarea with a live "characters left" count and Ctrl/Cmd+Enter to send (the island). */
export default function CountedTextarea(props: Omit<CountedTextareaProps, "onInput">) {
  return <Box {...props} />;
}
