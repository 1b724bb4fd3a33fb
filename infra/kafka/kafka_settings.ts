import { messageOf } from "../../app/log.ts";
import type { Config } from "../config.ts";
import { kafkaOptions } from "../config.ts";
import type { KafkaBusOptions, KafkaTls } from "./kafka_bus.ts";

/**
 * The bus adapter's options from the configuration, with the TLS files
 * (KAFKA_SSL_CA_FILE, KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE) read: a
 * missing or unreadable file is an error naming the setting.
 *
 * @example
 * ```ts
 * const bus = kafkaBus({ ...(await kafkaBusOptions(config)), logger });
 * ```
 */
export async function kafkaBusOptions(config: Config): Promise<KafkaBusOptions> {
  const { tlsFiles, ssl, ...options } = kafkaOptions(config);
  const names = { ca: "KAFKA_SSL_CA_FILE", cert: "KAFKA_SSL_CERT_FILE", key: "KAFKA_SSL_KEY_FILE" };
  const tls: KafkaTls = {};
  for (const part of ["ca", "cert", "key"] as const) {
    const path = tlsFiles[part];
    if (!path) continue;
    try {
      tls[part] = await Deno.readTextFile(path);
    } catch (error) {
      throw new Error(
        `${names[part]}: cannot read ${path}: ${messageOf(error)}`,
      );
    }
  }
  return { ...options, ssl: Object.keys(tls).length > 0 ? tls : ssl };
}

/**
 * A Kafka start-up failure in words an operator can act on, naming the
 * setting to check; the password is never part of it. Other errors: their message.
 *
 * @example
 * ```ts
 * catch (error) { throw new Error(explainKafkaError(error, config)); }
 * ```
 */
export function explainKafkaError(error: unknown, config: Config): string {
  const messages: string[] = [];
  for (let e: unknown = error; e && messages.length < 5;) {
    if (e instanceof Error) messages.push(`${e.name}: ${e.message}`);
    else messages.push(String(e));
    const next = e as { cause?: unknown; originalError?: unknown };
    e = next.originalError ?? next.cause;
  }
  const text = messages.join(" / ");
  const brokers = (config.KAFKA_BROKERS ?? []).join(",");
  const sasl = config.KAFKA_SASL_MECHANISM;
  if (/SASL|authentication/i.test(text)) {
    return `Kafka at ${brokers} refused the login: check KAFKA_SASL_MECHANISM (${
      sasl ?? "unset"
    }), KAFKA_SASL_USERNAME (${config.KAFKA_SASL_USERNAME ?? "unset"}) and KAFKA_SASL_PASSWORD`;
  }
  if (/altname|NotValidForName|does not match certificate|hostname/i.test(text)) {
    return `Kafka at ${brokers}: the broker's certificate is not for this host name (TLS)`;
  }
  if (/certificate|self.signed|UnknownIssuer|issuer|CERT_|handshake|TLS|SSL/i.test(text)) {
    return `Kafka at ${brokers}: TLS failed, the broker's certificate is not trusted; set ` +
      `KAFKA_SSL_CA_FILE to the CA that signed it (now ${
        config.KAFKA_SSL_CA_FILE ?? "unset: the system's roots"
      }); cause: ${firstLine(text)}`;
  }
  const tls = kafkaOptions(config).ssl;
  if (!tls && /Closed connection|ECONNRESET|socket hang up/i.test(text)) {
    return `Kafka at ${brokers} closed the connection: a TLS listener (as every managed Kafka ` +
      `has) needs KAFKA_SSL=true or KAFKA_SSL_CA_FILE; cause: ${firstLine(text)}`;
  }
  if (/ECONNREFUSED|Connection refused|ENOTFOUND|timeout|Connection error/i.test(text)) {
    return `Kafka at ${brokers} is unreachable (KAFKA_BROKERS; a TLS-only listener also ` +
      `drops a client without KAFKA_SSL=true); cause: ${firstLine(text)}`;
  }
  return messageOf(error);
}

function firstLine(text: string): string {
  return text.split("\n")[0].slice(0, 300);
}
