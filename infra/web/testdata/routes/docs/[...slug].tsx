import type { PageProps } from "../../../mod.ts";

export default function Doc({ params }: PageProps) {
  return <p data-page="doc">slug=[{params.slug}]</p>;
}
