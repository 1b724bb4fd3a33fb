import type { LayoutProps } from "$fresh/server.ts";

export default function PostsLayout({ Component }: LayoutProps) {
  return (
    <section data-layout="posts">
      <Component />
    </section>
  );
}
