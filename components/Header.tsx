import type { Actor } from "../domain/mod.ts";

/** The top bar: brand, new post, the user's page, admin, sign in/out. */
export function Header({ actor, path }: { actor: Actor | null; path: string }) {
  const link = (href: string, label: string) => (
    <a
      href={href}
      class={`rounded-md px-3 py-1.5 text-sm font-medium ${
        path === href ? "bg-indigo-50 text-indigo-700" : "text-slate-600 hover:bg-slate-100"
      }`}
    >
      {label}
    </a>
  );
  return (
    <header class="sticky top-0 z-10 border-b border-slate-200 bg-white/90 backdrop-blur">
      <nav class="mx-auto flex max-w-2xl items-center gap-2 px-4 py-3">
        <a href="/" class="mr-auto text-lg font-bold tracking-tight text-indigo-600">Agora</a>
        {actor
          ? (
            <>
              {link("/posts/new", "New post")}
              {link(`/u/${actor.username}`, `@${actor.username}`)}
              {actor.isAdmin && link("/admin", "Admin")}
              <form method="post" action="/signout">
                <button
                  type="submit"
                  class="rounded-md px-3 py-1.5 text-sm text-slate-600 hover:bg-slate-100"
                >
                  Sign out
                </button>
              </form>
            </>
          )
          : (
            <>
              {link("/signin", "Sign in")}
              <a
                href="/signup"
                class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700"
              >
                Sign up
              </a>
            </>
          )}
      </nav>
    </header>
  );
}
