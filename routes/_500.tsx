import { plainApiMessage } from "../components/plain_errors.ts";
import type { ErrorPageProps } from "$fresh/server.ts";

export default function ServerError({ data }: ErrorPageProps) {
  const status = data?.status ?? 500;
  return (
    <div class="py-16 text-center">
      <p class="text-5xl font-bold text-indigo-700">{status}</p>
      <h1 class="mt-4 text-xl font-semibold">
        {status >= 500
          ? "Something went wrong on our side"
          : plainApiMessage(data.code, data.message)}
      </h1>
      <p class="mt-2 text-slate-700">
        {status >= 500
          ? "It was logged. Please try again in a moment."
          : "Please go back and try again."}
      </p>
      <a
        href="/"
        class="mt-6 inline-flex min-h-11 items-center font-medium text-indigo-700 underline"
      >
        Back to the feed
      </a>
    </div>
  );
}
