import type { PageProps } from "$fresh/server.ts";

export default function Edit({ params }: PageProps) {
  return <p data-page="edit">edit {params.id}</p>;
}
