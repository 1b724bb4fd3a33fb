import type { Handlers, PageProps } from "$fresh/server.ts";
import { redirect } from "../utils/redirect.ts";
import { Button, Card, Field, FormAlert } from "../components/Form.tsx";
import { type FormState, parseForm, rejectForm } from "../utils/forms.ts";
import { credentialsForm, signIn } from "../utils/session.ts";
import type { State } from "../utils/state.ts";

type Data = FormState & { title: string };
const title = "Create your account";

export const handler: Handlers<Data, State> = {
  GET(_req, ctx) {
    if (ctx.state.actor) return redirect("/");
    return ctx.render({ title, values: { username: "" } });
  },
  async POST(req, ctx) {
    const values = await parseForm(req, credentialsForm);
    const { mediator } = ctx.state;
    try {
      await mediator.send(
        { type: "RegisterUser", username: values.username, password: values.password },
        // As no one (a signed-in visitor signs up someone else); the rest of the request's
        // context stays, so the position still reaches the read-your-writes cookie.
        { ...ctx.state.ctx, actor: null },
      );
      const { cookie } = await signIn(ctx, values);
      // Read-your-writes: the new user's own page exists as soon as they land.
      const response = redirect("/");
      response.headers.append("set-cookie", cookie);
      return response;
    } catch (error) {
      const { state, status, headers } = rejectForm(error, { username: values.username });
      return ctx.render({ ...state, title }, { status, headers });
    }
  },
};

export default function SignupPage({ data }: PageProps<Data, State>) {
  return (
    <div class="mx-auto max-w-sm">
      <h1 class="mb-6 text-2xl font-bold">Create your account</h1>
      <Card>
        <form method="post" action="/signup">
          <FormAlert state={data} />
          <Field
            name="username"
            label="Username"
            state={data}
            autocomplete="username"
            maxLength={30}
          />
          <Field
            name="password"
            label="Password (8 characters or more)"
            type="password"
            state={data}
            autocomplete="new-password"
          />
          <Button>Sign up</Button>
        </form>
      </Card>
      <p class="mt-4 text-center text-sm text-slate-600">
        Have an account? <a href="/signin" class="font-medium text-indigo-700 underline">Sign in</a>
      </p>
    </div>
  );
}
