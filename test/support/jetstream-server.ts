import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JetStreamOptions } from '../../src/config/pulse-options.js';
import type { OptionOverrides } from './pulse-app.js';
import { type ServerProcess, startNatsServer } from './processes.js';

/**
 * Pulse's NATS user holds exactly the permissions README "JetStream" documents: its usual
 * subjects, the two JetStream list APIs, its reply inbox and the advisories.
 */
export const PULSE_PERMISSIONS = `
        publish: ["_PULSE.>", "$JS.API.STREAM.LIST", "$JS.API.CONSUMER.LIST.*"]
        subscribe: ["tenant.*.>", "_HEARTBEAT.>", "_PULSE.internal.>", "_PULSE_INBOX.>", "$JS.EVENT.ADVISORY.>"]`;

/** A private nats-server, the app's client credentials and its URL. */
export interface JetStreamServer {
  server: ServerProcess;
  url: string;
  /** An application user of the account (all permissions), to make streams and traffic. */
  app: { servers: string; user: string; pass: string };
}

/**
 * A private nats-server with JetStream and a system account (SYS): the account APP with
 * JetStream and the users given (nats-server configuration, one per line).
 */
export async function startJetStreamAccount(users: string): Promise<ServerProcess> {
  const storeDir = mkdtempSync(join(tmpdir(), 'pulse-js-'));
  return startNatsServer(`
jetstream { store_dir: "${storeDir}" }
accounts {
  SYS { users = [{ user: sys, password: sys-secret }] }
  APP {
    jetstream: enabled
    users = [
${users}
    ]
  }
}
system_account: SYS
`);
}

/**
 * That server with the users `pulse` (PULSE_PERMISSIONS only), `app` (everything) and `tenantx`
 * (a tenant's user allowed every `_INBOX.>`, as request/reply commonly is).
 */
export async function startJetStreamServer(): Promise<JetStreamServer> {
  const server = await startJetStreamAccount(`
      { user: pulse, password: pulse-secret, permissions: {${PULSE_PERMISSIONS}
      } }
      { user: app, password: app-secret }
      # A tenant's user with the common request/reply grant: every reply inbox.
      { user: tenantx, password: tenantx-secret, permissions: {
          publish: ["tenant.x.>"], subscribe: ["tenant.x.>", "_INBOX.>"] } }`);
  const url = `nats://127.0.0.1:${server.port}`;
  return { server, url, app: { servers: url, user: 'app', pass: 'app-secret' } };
}

/** Pulse's options against that server: its user, and the JetStream poll on with an interval no test waits for. */
export function jetStreamPulseOptions(url: string, jetstream: Partial<JetStreamOptions> = {}): OptionOverrides {
  return {
    nats: { servers: [url], user: 'pulse', password: 'pulse-secret', connectTimeoutMs: 3000 },
    jetstream: {
      enabled: true,
      pollIntervalMs: 3_600_000,
      maxStreamsPerTenant: 100,
      maxConsumersPerTenant: 100,
      ...jetstream,
    },
  };
}
