import { z } from "zod";
import { authenticate } from "../app/user_handlers.ts";
import { Button, Card, Field, FormAlert } from "../components/Form.tsx";
import { define, type FormState, parseForm, rejectForm, startSession } from "../utils.ts";

const form = z.object({ username: z.string().default(""), password: z.string().default("") });

/** Only local paths are followed after sign-in (no open redirect). */
function safeNext(value: string | null): string {
  return value && value.startsWith("/") && !value.startsWith("//") ? value : "/";
}

export const handler = define.handlers<FormState & { next: string }>({
  GET(ctx) {
    const next = safeNext(ctx.url.searchParams.get("next"));
    if (ctx.state.actor) return ctx.redirect(next);
    return ctx.render({ values: { username: "" }, next });
  },
  async POST(ctx) {
    const next = safeNext(ctx.url.searchParams.get("next"));
    const values = await parseForm(ctx.req, form);
    try {
      const actor = await authenticate(ctx.state.system, values);
      const response = ctx.redirect(next, 303);
      response.headers.append("set-cookie", await startSession(ctx, actor));
      return response;
    } catch (error) {
      const { state, status } = rejectForm(error, { username: values.username });
      return ctx.render({ ...state, next }, { status });
    }
  },
});

export default define.page<typeof handler>(({ data }) => (
  <div class="mx-auto max-w-sm">
    <h1 class="mb-6 text-2xl font-bold">Sign in</h1>
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
      New here? <a href="/signup" class="text-indigo-600 hover:underline">Create an account</a>
    </p>
  </div>
));
