import type { ErrorPageProps } from "../infra/web/mod.ts";

export default function ServerError({ data }: ErrorPageProps) {
  const status = data?.status ?? 500;
  return (
    <div class="py-16 text-center">
      <p class="text-5xl font-bold text-indigo-600">{status}</p>
      <h1 class="mt-4 text-xl font-semibold">
        {status >= 500 ? "Something went wrong on our side" : data.message}
      </h1>
      <p class="mt-2 text-slate-600">
        {status >= 500
          ? "It was logged. Please try again in a moment."
          : "Please go back and try again."}
      </p>
      <a href="/" class="mt-6 inline-block text-indigo-600 hover:underline">Back to the feed</a>
    </div>
  );
}
