export default function NotFound() {
  return (
    <div class="py-16 text-center">
      <p class="text-5xl font-bold text-indigo-700">404</p>
      <h1 class="mt-4 text-xl font-semibold">This page does not exist</h1>
      <p class="mt-2 text-slate-700">
        The post or user may have been deleted, or the address is wrong.
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
