import type { FreshContext, Handlers, PageProps } from "$fresh/server.ts";
import { redirect } from "../utils/redirect.ts";
import { Button, Card, Field, FormAlert } from "../components/Form.tsx";
import { safeRedirectPath } from "../utils/client_address.ts";

import { type FormState, parseForm, rejectForm } from "../utils/forms.ts";
import { credentialsForm, signIn } from "../utils/session.ts";
import type { State } from "../utils/state.ts";

/** Only same-origin paths are followed after sign-in (no open redirect). */
function safeNext(ctx: FreshContext<State>): string {
  return safeRedirectPath(ctx.url.searchParams.get("next"), ctx.url.origin);
}

/** Why a visitor was sent to sign in, from the page they wanted. */
function reasonFor(next: string): string | null {
  const path = next.split(/[?#]/)[0];
  if (path === "/") return null;
  if (path === "/posts/new") return "Please sign in to write a post.";
  if (/^\/posts\/[^/]+\/edit$/.test(path)) return "Please sign in to edit your post.";
  if (/^\/posts\/[^/]+$/.test(path)) return "Please sign in to like and comment.";
  if (path === "/admin") return "Please sign in to open the admin page.";
  return "Please sign in to continue.";
}

type Data = FormState & { next: string; title: string };

export const handler: Handlers<Data, State> = {
  GET(_req, ctx) {
    const next = safeNext(ctx);
    if (ctx.state.actor) return redirect(next);
    return ctx.render({ title: "Sign in", values: { username: "" }, next });
  },
  async POST(req, ctx) {
    const next = safeNext(ctx);
    const values = await parseForm(req, credentialsForm);
    try {
      const { cookie } = await signIn(ctx, values);
      const response = redirect(next, 303);
      response.headers.append("set-cookie", cookie);
      return response;
    } catch (error) {
      const { state, status, headers } = rejectForm(error, { username: values.username });
      return ctx.render({ ...state, next, title: "Sign in" }, { status, headers });
    }
  },
};

export default function SigninPage({ data }: PageProps<Data, State>) {
  return (
    <div class="mx-auto max-w-sm">
      <h1 class="mb-6 text-2xl font-bold">Sign in</h1>
      {reasonFor(data.next) && (
        <p
          class="mb-4 rounded-md border border-indigo-200 bg-indigo-50 px-3 py-2 text-sm text-indigo-900"
          data-signin-reason
        >
          {reasonFor(data.next)}
        </p>
      )}
      <Card>
        <form
          method="post"
          action={`/signin${data.next === "/" ? "" : `?next=${encodeURIComponent(data.next)}`}`}
        >
          <FormAlert state={data} />
          <Field name="username" label="Username" state={data} autocomplete="username" />
          <Field
            name="password"
            label="Password"
            type="password"
            state={data}
            autocomplete="current-password"
          />
          <Button>Sign in</Button>
        </form>
      </Card>
      <p class="mt-4 text-center text-sm text-slate-600">
        New here?{" "}
        <a href="/signup" class="font-medium text-indigo-700 underline">Create an account</a>
      </p>
    </div>
  );
}
