# The image of the web and worker services (docker-compose.yml): the same
# code, the role comes from ROLE and the command.

# The sources without what a developer's machine adds (dependencies, data, build output).
FROM denoland/deno:2.9.6 AS sources
WORKDIR /src
COPY . .
RUN rm -rf node_modules .data _build test-results .cache .git

FROM denoland/deno:2.9.6
WORKDIR /app
RUN chown deno:deno /app
USER deno

# Dependencies first: this layer is reused while only the sources change.
COPY --chown=deno:deno deno.json deno.lock ./
RUN deno install --frozen

COPY --from=sources --chown=deno:deno /src/ ./
# Manifest, island bundles and CSS at image build; every module cached for the start.
RUN deno task build && deno cache main.ts worker.ts

ENV PORT=8000
EXPOSE 8000
CMD ["deno", "task", "start"]
