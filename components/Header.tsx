import type { ComponentChildren } from "preact";
import type { Actor } from "../domain/mod.ts";
import { Avatar } from "./Avatar.tsx";

/** Every header control is at least 44×44 px (a comfortable tap target). */
const TAP = "inline-flex min-h-11 min-w-11 items-center justify-center gap-1.5 rounded-md px-2.5";

/**
 * The top bar: brand, new post, the user's page, admin, sign in/out. On a
 * phone it stays one line: the labels fold into icons (still named for
 * screen readers).
 */
export function Header({ actor, path }: { actor: Actor | null; path: string }) {
  const link = (
    href: string,
    label: string,
    icon: ComponentChildren,
  ) => (
    <a
      href={href}
      aria-current={path === href ? "page" : undefined}
      class={`${TAP} text-sm font-medium ${
        path === href ? "bg-indigo-50 text-indigo-700" : "text-slate-700 hover:bg-slate-100"
      }`}
    >
      {icon}
      <span class="sr-only sm:not-sr-only">{label}</span>
    </a>
  );
  return (
    <header class="sticky top-0 z-10 border-b border-slate-200 bg-white/90 backdrop-blur">
      <nav
        aria-label="Main"
        class="mx-auto flex max-w-2xl flex-nowrap items-center gap-1 whitespace-nowrap px-3 py-1 sm:px-4"
        data-site-nav
      >
        <a
          href="/"
          class={`${TAP} mr-auto text-lg font-bold tracking-tight text-indigo-700`}
          aria-current={path === "/" ? "page" : undefined}
        >
          Agora
        </a>
        {actor
          ? (
            <>
              {link("/posts/new", "New post", <PlusIcon />)}
              {link(`/u/${actor.username}`, `@${actor.username}`, <Avatar name={actor.username} />)}
              {actor.isAdmin && link("/admin", "Admin", <GaugeIcon />)}
              <form method="post" action="/signout">
                <button
                  type="submit"
                  class={`${TAP} text-sm text-slate-700 hover:bg-slate-100`}
                >
                  <ExitIcon />
                  <span class="sr-only sm:not-sr-only">Sign out</span>
                </button>
              </form>
            </>
          )
          : (
            <>
              {link("/signin", "Sign in", <KeyIcon />)}
              <a
                href="/signup"
                class={`${TAP} bg-indigo-600 text-sm font-medium text-white hover:bg-indigo-700`}
              >
                Sign up
              </a>
            </>
          )}
      </nav>
    </header>
  );
}

function Icon({ d }: { d: string }) {
  return (
    <svg
      viewBox="0 0 24 24"
      aria-hidden="true"
      class="h-5 w-5 fill-none stroke-current sm:hidden"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
    >
      <path d={d} />
    </svg>
  );
}

const PlusIcon = () => <Icon d="M12 5v14M5 12h14" />;
const GaugeIcon = () => <Icon d="M4 19h16M7 15V9m5 6V5m5 10v-4" />;
const ExitIcon = () => <Icon d="M15 4h3a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-3M10 17l5-5-5-5M15 12H4" />;
const KeyIcon = () => <Icon d="M15 7a4 4 0 1 1-3.9 5H4v3h3v-3M15 7h.01" />;
