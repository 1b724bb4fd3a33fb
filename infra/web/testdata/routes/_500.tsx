import type { ErrorPageProps } from "$fresh/server.ts";

export default function ServerError({ data }: ErrorPageProps) {
  return <p data-page="error">{data.status} {data.code}: {data.message}</p>;
}
