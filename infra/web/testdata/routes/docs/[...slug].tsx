import type { PageProps } from "$fresh/server.ts";

export default function Doc({ params }: PageProps) {
  return <p data-page="doc">slug=[{params.slug}]</p>;
}
