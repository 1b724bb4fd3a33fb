/** Background and text colour pairs with at least 4.5:1 contrast, in both themes. */
const TONES = [
  "bg-indigo-100 text-indigo-800",
  "bg-emerald-100 text-emerald-800",
  "bg-amber-100 text-amber-900",
  "bg-rose-100 text-rose-800",
  "bg-sky-100 text-sky-800",
  "bg-violet-100 text-violet-800",
];

/** The initials circle of a user: the first two letters of the name, a colour from the name. */
export function Avatar({ name, size = "md" }: { name: string; size?: "sm" | "md" | "lg" }) {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const letters = name.replace(/[^a-z0-9]/gi, "").slice(0, 2).toUpperCase() || "?";
  return (
    <span
      aria-hidden="true"
      data-avatar
      class={`inline-flex shrink-0 select-none items-center justify-center rounded-full font-semibold ${
        TONES[hash % TONES.length]
      } ${{ sm: "h-7 w-7 text-xs", md: "h-9 w-9 text-sm", lg: "h-12 w-12 text-lg" }[size]}`}
    >
      {letters}
    </span>
  );
}
