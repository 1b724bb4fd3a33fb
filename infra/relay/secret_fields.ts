/**
 * The relay's last guard: an event whose payload has a field named like a
 * secret (password, passwordHash, secret, token, apiKey, ...) at any depth is
 * never published. Secrets belong in the credentials table, not in events.
 *
 * @module
 */

/** Field names that look like secrets (compared lower-case, without `_` or `-`). */
const SECRET_NAME =
  /^(password|passwd|pwd|passwordhash|hash|secret|clientsecret|token|accesstoken|refreshtoken|apikey|privatekey|sessionid|credentials?)$/;

/** Verdicts per field name: events repeat a few names, the relay checks every event. */
const verdicts = new Map<string, boolean>();
const VERDICTS_MAX = 10_000;

function isSecretName(key: string): boolean {
  let secret = verdicts.get(key);
  if (secret === undefined) {
    secret = SECRET_NAME.test(key.toLowerCase().replace(/[_-]/g, ""));
    if (verdicts.size < VERDICTS_MAX) verdicts.set(key, secret);
  }
  return secret;
}

/** An event carried a field named like a secret; the relay refuses to publish it. */
export class SecretInPayload extends Error {
  constructor(readonly eventId: string, readonly field: string) {
    super(`event ${eventId} has a field named like a secret (${field}); not published`);
    this.name = "SecretInPayload";
  }
}

/** The path of the first secret-like field in `value`, or null. */
export function secretField(value: unknown, path = ""): string | null {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = secretField(item, `${path}[${i}]`);
      if (found) return found;
    }
  } else if (typeof value === "object" && value !== null) {
    for (const key of Object.keys(value)) {
      if (isSecretName(key)) return path ? `${path}.${key}` : key;
      const item = (value as Record<string, unknown>)[key];
      if (typeof item !== "object" || item === null) continue;
      const found = secretField(item, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return null;
}

/**
 * Throws {@link SecretInPayload} for the first event whose data or metadata
 * has a secret-like field.
 *
 * @example
 * ```ts
 * refuseSecrets(page.events); // before publisher.publish(page.events)
 * ```
 */
export function refuseSecrets(
  events: readonly { eventId: string; data: unknown; metadata?: unknown }[],
): void {
  for (const event of events) {
    const field = secretField(event.data) ?? secretField(event.metadata);
    if (field) throw new SecretInPayload(event.eventId, field);
  }
}
