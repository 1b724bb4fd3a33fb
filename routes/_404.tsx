export default function NotFound() {
  return (
    <div class="py-16 text-center">
      <p class="text-5xl font-bold text-indigo-600">404</p>
      <h1 class="mt-4 text-xl font-semibold">This page does not exist</h1>
      <p class="mt-2 text-slate-600">The post may have been deleted, or the address is wrong.</p>
      <a href="/" class="mt-6 inline-block text-indigo-600 hover:underline">Back to the feed</a>
    </div>
  );
}
