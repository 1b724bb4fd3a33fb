# The image of the app's processes (docker-compose.yml: migrate, web, worker):
# the same code, the command and ROLE pick the process. .dockerignore keeps a
# developer's .env, .git, dependencies, data and build output out of it.
FROM denoland/deno:2.9.6
WORKDIR /app
RUN chown deno:deno /app
USER deno

# Dependencies first: this layer is reused while only the sources change.
COPY --chown=deno:deno deno.json deno.lock ./
RUN deno install --frozen

COPY --chown=deno:deno . .
# Manifest, island bundle and CSS once, at image build (`deno task serve` does not
# rebuild); every entry point's modules cached so a container starts offline.
RUN deno task build && deno cache main.ts worker.ts scripts/migrate.ts scripts/db_roles.ts

ENV PORT=8000
EXPOSE 8000
CMD ["deno", "task", "serve"]
