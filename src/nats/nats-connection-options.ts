import { credsAuthenticator, nkeyAuthenticator, type NodeConnectionOptions } from '@nats-io/transport-node';
import { readFileSync } from 'node:fs';
import { DEFAULT_INBOX_PREFIX, type NatsOptions } from '../config/pulse-options.js';

function readSecretFile(path: string, variable: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`${variable}: cannot read ${path} (${(err as Error).message})`, { cause: err });
  }
}

/**
 * Connection options shared by Pulse's NATS connections (the tap's, the heartbeats', the system
 * account's), so all authenticate by the same rules and all reconnect forever: a monitoring
 * service that gives up after the client's default 10 attempts silently stops monitoring. Replies
 * come to Pulse's own inbox prefix (NATS_INBOX_PREFIX), not `_INBOX`: a tenant user allowed
 * `_INBOX.>` would otherwise receive them (every stream's config and state).
 */
export function natsConnectionOptions(options: NatsOptions, name: string): NodeConnectionOptions {
  const connection: NodeConnectionOptions = {
    servers: options.servers,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    timeout: options.connectTimeoutMs,
    waitOnFirstConnect: false,
    inboxPrefix: options.inboxPrefix ?? DEFAULT_INBOX_PREFIX,
  };
  if (options.credsFile) {
    connection.authenticator = credsAuthenticator(readSecretFile(options.credsFile, 'NATS_CREDS_FILE'));
  } else if (options.nkeySeedFile) {
    const seed = readSecretFile(options.nkeySeedFile, 'NATS_NKEY_SEED_FILE').toString('utf8').trim();
    connection.authenticator = nkeyAuthenticator(new TextEncoder().encode(seed));
  }
  if (options.user) {
    connection.user = options.user;
    connection.pass = options.password;
  }
  if (options.token) connection.token = options.token;
  if (options.tls) {
    connection.tls = {
      ...(options.tls.caFile ? { caFile: options.tls.caFile } : {}),
      ...(options.tls.certFile ? { certFile: options.tls.certFile } : {}),
      ...(options.tls.keyFile ? { keyFile: options.tls.keyFile } : {}),
    };
  }
  return connection;
}
