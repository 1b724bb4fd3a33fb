import type { LayoutProps } from "$fresh/server.ts";

export default function MarketingLayout({ Component }: LayoutProps) {
  return (
    <aside data-layout="marketing">
      <Component />
    </aside>
  );
}
