import type { PageProps } from "../../../../mod.ts";

export default function Edit({ params }: PageProps) {
  return <p data-page="edit">edit {params.id}</p>;
}
