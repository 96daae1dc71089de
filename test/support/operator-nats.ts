// A private nats-server in operator/JWT mode (issue #34): operator, system account, Pulse's
// account and one account per tenant, JWTs made here with the nats-io JWT and nkeys libraries.
import {
  type Account as AccountClaims,
  createAccount,
  createOperator,
  createUser,
  encodeAccount,
  encodeOperator,
  encodeUser,
  type Export,
  fmtCreds,
  type Import,
  type KeyPair,
  type OperatorLimits,
  type Permissions,
} from '@nats-io/jwt';
import { connect, credsAuthenticator, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { fromSeed } from '@nats-io/nkeys';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_JETSTREAM, type JetStreamOptions } from '../../src/config/pulse-options.js';
import { freePort, ServerProcess, startNatsServer } from './processes.js';

/** Limits as the account JWT names them (`conn`, `subs`, `payload`, `data`, `mem_storage`, …); -1: none. */
export type AccountLimits = Partial<OperatorLimits>;

/** No limit on anything, JetStream off (its limits absent): an account's claims when the test sets none. */
export const UNLIMITED_LIMITS: AccountLimits = Object.freeze({
  subs: -1,
  data: -1,
  payload: -1,
  imports: -1,
  exports: -1,
  wildcards: true,
  conn: -1,
  leaf: -1,
});

/** JetStream on without limits. */
const JETSTREAM_UNLIMITED: AccountLimits = { mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 };

/**
 * What Pulse's tap user in its own account may do: README "NATS permissions for the monitoring
 * user" (JWT form). The tenants' messages arrive there through the imports.
 */
export const PULSE_ACCOUNT_PERMISSIONS: Permissions = {
  pub: { allow: ['_PULSE.>'] },
  sub: { allow: ['tenant.*.>', '_HEARTBEAT.>', '_PULSE.internal.>'] },
};

/**
 * The least privilege of Pulse's system-account user in the accounts shape (README, Deployment
 * shapes): the connection events and CONNZ it already uses, plus the per-account requests (STATZ,
 * ACCOUNTZ, JSZ) and the account-connections events. Replies come to `_PULSE_INBOX` (NATS_INBOX_PREFIX).
 */
export const PULSE_SYSTEM_PERMISSIONS: Permissions = {
  pub: {
    allow: [
      '$SYS.REQ.SERVER.PING.CONNZ',
      '$SYS.REQ.ACCOUNT.PING.STATZ',
      '$SYS.REQ.SERVER.PING.ACCOUNTZ',
      '$SYS.REQ.SERVER.PING.JSZ',
    ],
  },
  sub: {
    allow: [
      '$SYS.ACCOUNT.*.CONNECT',
      '$SYS.ACCOUNT.*.DISCONNECT',
      '$SYS.ACCOUNT.*.SERVER.CONNS',
      '$SYS.SERVER.*.CLIENT.AUTH.ERR',
      '_PULSE_INBOX.>',
    ],
  },
};

/** The reply-inbox prefix the system user's permissions allow (Pulse's NATS_INBOX_PREFIX default). */
export const PULSE_INBOX_PREFIX = '_PULSE_INBOX';

/** One tenant's account as the test wants it. */
export interface TenantAccountSpec {
  /**
   * The Pulse tenant id. The account exports `tenant.<id>.>` and `_HEARTBEAT.tenant.<id>.client.*`
   * (what the Pulse SDK publishes) and Pulse's account imports them unchanged.
   */
  tenantId: string;
  /** The account JWT's limits (JWT names); unset ones are unlimited. */
  limits?: AccountLimits;
  /** JetStream for the account (without `limits` for it: unlimited). Also on when `limits` sets a JetStream limit. */
  jetstream?: boolean;
  /**
   * Subjects the tenant's applications publish outside Pulse's namespace (`orders.>`): exported,
   * and imported by Pulse's account with `local_subject` `tenant.<id>.<subject>`.
   */
  mapped?: string[];
}

export interface OperatorNatsOptions {
  tenants: TenantAccountSpec[];
}

/** An account: its key pair, its claims and the JWT the server holds. */
export class NatsAccount {
  constructor(
    /** The JWT's name (the tenant id for tenant accounts). */
    readonly name: string,
    readonly keyPair: KeyPair,
    /** The claims as the harness encodes them (limits, exports, imports). */
    public claims: Partial<AccountClaims>,
    public jwt: string,
  ) {}

  /** The account's public nkey (`A…`): what the server calls the account, a tenant's `natsAccount`. */
  get publicKey(): string {
    return this.keyPair.getPublicKey();
  }
}

/** A user of an account: its JWT, seed and creds file. */
export interface NatsUser {
  name: string;
  account: NatsAccount;
  publicKey: string;
  jwt: string;
  seed: string;
  /** A creds file (mode 0600) in the harness' temp dir: NATS_CREDS_FILE / NATS_SYSTEM_CREDS_FILE. */
  credsFile: string;
}

/** The server's answer to a raw client that published over the account's payload limit. */
export interface RawPublishResult {
  /** Everything the server sent after CONNECT (INFO, PONG, `-ERR '…'`). */
  received: string;
  /** Whether the server closed the connection. */
  closed: boolean;
}

/** A test's operator-mode nats-server: accounts, users, requests to the system account, restart. */
export class OperatorNats {
  private readonly connections: NatsConnection[] = [];
  private admin: NatsConnection | null = null;
  private adminUser: NatsUser | null = null;
  private userCount = 0;
  private running = false;

  private constructor(
    readonly server: ServerProcess,
    readonly dir: string,
    private readonly configFile: string,
    readonly operator: { keyPair: KeyPair; jwt: string },
    readonly system: NatsAccount,
    readonly pulse: NatsAccount,
    private readonly tenantAccounts: Map<string, NatsAccount>,
    private readonly jetstream: boolean,
  ) {}

  /** Makes the keys and JWTs, writes the configuration and starts the server on a free loopback port. */
  static async start(options: OperatorNatsOptions): Promise<OperatorNats> {
    const operatorKey = createOperator();
    const systemKey = createAccount();
    const operatorJwt = await encodeOperator('pulse-test-operator', operatorKey, {
      system_account: systemKey.getPublicKey(),
    });
    const sign = (name: string, key: KeyPair, claims: Partial<AccountClaims>) =>
      encodeAccount(name, key, claims, { signer: operatorKey });

    const systemClaims: Partial<AccountClaims> = { limits: { ...UNLIMITED_LIMITS } };
    const system = new NatsAccount('SYS', systemKey, systemClaims, await sign('SYS', systemKey, systemClaims));

    const tenants = new Map<string, NatsAccount>();
    const imports: Import[] = [];
    for (const spec of options.tenants) {
      if (tenants.has(spec.tenantId)) throw new Error(`tenant ${spec.tenantId} given twice`);
      const key = createAccount();
      const claims = tenantClaims(spec);
      tenants.set(spec.tenantId, new NatsAccount(spec.tenantId, key, claims, await sign(spec.tenantId, key, claims)));
      imports.push(...pulseImports(spec, key.getPublicKey()));
    }
    const pulseKey = createAccount();
    const pulseClaims: Partial<AccountClaims> = { limits: { ...UNLIMITED_LIMITS }, imports };
    const pulse = new NatsAccount('PULSE', pulseKey, pulseClaims, await sign('PULSE', pulseKey, pulseClaims));

    const dir = mkdtempSync(join(tmpdir(), 'pulse-operator-'));
    mkdirSync(join(dir, 'creds'), { mode: 0o700 });
    const configFile = join(dir, 'nats.conf');
    const port = await freePort();
    const jetstream = [...tenants.values()].some((t) => jetStreamEnabled(t.claims.limits ?? {}));
    const nats = new OperatorNats(
      new ServerProcess('nats-server', ['-c', configFile], port),
      dir,
      configFile,
      { keyPair: operatorKey, jwt: operatorJwt },
      system,
      pulse,
      tenants,
      jetstream,
    );
    nats.writeConfig();
    await nats.start();
    return nats;
  }

  get port(): number {
    return this.server.port;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.server.port}`;
  }

  /** Every tenant's account, in the order given. */
  get tenants(): NatsAccount[] {
    return [...this.tenantAccounts.values()];
  }

  /** The account of tenant `tenantId`. */
  tenant(tenantId: string): NatsAccount {
    const account = this.tenantAccounts.get(tenantId);
    if (!account) throw new Error(`no account for tenant ${tenantId}`);
    return account;
  }

  /**
   * A new user of `account` (its JWT signed by the account), with `permissions` (none: all), and
   * its creds file.
   */
  async user(account: NatsAccount, name: string, permissions: Permissions = {}): Promise<NatsUser> {
    const key = createUser();
    const jwt = await encodeUser(name, key, account.keyPair, permissions);
    const seed = new TextDecoder().decode(key.getSeed());
    const credsFile = join(this.dir, 'creds', `${account.name}-${name}-${++this.userCount}.creds`);
    writeFileSync(credsFile, fmtCreds(jwt, key), { mode: 0o600 });
    chmodSync(credsFile, 0o600);
    return { name, account, publicKey: key.getPublicKey(), jwt, seed, credsFile };
  }

  /** nats.js options for `user` on this server (its creds, its name as the connection name). */
  options(user: NatsUser, extra: Partial<NodeConnectionOptions> = {}): NodeConnectionOptions {
    return {
      servers: this.url,
      authenticator: credsAuthenticator(readFileSync(user.credsFile)),
      name: user.name,
      ...extra,
    };
  }

  /** A connection as `user`, closed by `close()`. */
  async connect(user: NatsUser, extra: Partial<NodeConnectionOptions> = {}): Promise<NatsConnection> {
    const nc = await connect(this.options(user, extra));
    this.connections.push(nc);
    return nc;
  }

  /** Pulse's tap user in its account (PULSE_ACCOUNT_PERMISSIONS). */
  pulseUser(name = 'pulse'): Promise<NatsUser> {
    return this.user(this.pulse, name, PULSE_ACCOUNT_PERMISSIONS);
  }

  /** Pulse's system-account user (PULSE_SYSTEM_PERMISSIONS; connect it with inboxPrefix PULSE_INBOX_PREFIX). */
  systemUser(name = 'pulse-system'): Promise<NatsUser> {
    return this.user(this.system, name, PULSE_SYSTEM_PERMISSIONS);
  }

  /**
   * Pulse's options for this server (merge into testOptions' overrides): the tap on Pulse's account
   * and the system-account connection, both by creds file with the least privilege README
   * "Deployment shapes" documents, and the JetStream poll of Pulse's account off (the tenants'
   * streams are in their own accounts; the tap user holds no JetStream grant).
   */
  async pulseOptions(pollIntervalMs = 3_600_000): Promise<{
    nats: { servers: string[]; credsFile: string };
    natsSystem: { credsFile: string; pollIntervalMs: number };
    jetstream: JetStreamOptions;
  }> {
    const [tap, system] = [await this.pulseUser(), await this.systemUser()];
    return {
      nats: { servers: [this.url], credsFile: tap.credsFile },
      natsSystem: { credsFile: system.credsFile, pollIntervalMs },
      jetstream: { ...DEFAULT_JETSTREAM, enabled: false },
    };
  }

  /**
   * A request to the system account as an unrestricted system user (the test's own view, not
   * Pulse's); the answer parsed as JSON. Rejects after `timeoutMs` without an answer.
   */
  async sysRequest<T = unknown>(subject: string, body: unknown = '', timeoutMs = 2000): Promise<T> {
    const nc = await this.adminConnection();
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    const reply = await nc.request(subject, payload, { timeout: timeoutMs });
    return reply.json<T>();
  }

  /**
   * Changes an account's claims: `change` gets a copy and returns the new claims; the JWT is signed
   * again, pushed to the running server (`$SYS.REQ.ACCOUNT.<id>.CLAIMS.UPDATE`, the MEMORY
   * resolver's update) and written to the configuration, so that a restart keeps it.
   */
  async updateAccount(
    account: NatsAccount,
    change: (claims: Partial<AccountClaims>) => Partial<AccountClaims>,
  ): Promise<void> {
    const claims = change(structuredClone(account.claims));
    const jwt = await encodeAccount(account.name, account.keyPair, claims, { signer: this.operator.keyPair });
    if (this.running) {
      const answer = await this.sysRequest<{ data?: { code?: number; message?: string }; error?: unknown }>(
        `$SYS.REQ.ACCOUNT.${account.publicKey}.CLAIMS.UPDATE`,
        jwt,
      );
      if (answer.data?.code !== 200) throw new Error(`claims update refused: ${JSON.stringify(answer)}`);
    }
    account.claims = claims;
    account.jwt = jwt;
    this.writeConfig();
  }

  /** Sets some of a tenant account's limits (JWT names), keeping the others. */
  setLimits(account: NatsAccount, limits: AccountLimits): Promise<void> {
    return this.updateAccount(account, (claims) => ({ ...claims, limits: { ...claims.limits, ...limits } }));
  }

  /**
   * Publishes `size` bytes on `subject` as `user` from a raw TCP client that ignores the
   * `max_payload` the server announces (nats.js refuses locally, so the server never sees it):
   * what the server answers to a publish over the account's payload limit.
   */
  async rawPublish(user: NatsUser, subject: string, size: number, waitMs = 500): Promise<RawPublishResult> {
    const encoder = new TextEncoder();
    return new Promise<RawPublishResult>((resolve, reject) => {
      const socket = new Socket();
      let buffer = '';
      let received = '';
      let connected = false;
      let closed = false;
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ received, closed });
      }, waitMs);
      socket.on('error', (err) => {
        if (!connected) {
          clearTimeout(timer);
          reject(err);
        }
      });
      socket.on('close', () => {
        closed = true;
        clearTimeout(timer);
        resolve({ received, closed });
      });
      socket.on('data', (chunk) => {
        if (connected) {
          received += chunk.toString('utf8');
          return;
        }
        buffer += chunk.toString('utf8');
        const end = buffer.indexOf('\r\n');
        if (!buffer.startsWith('INFO ') || end < 0) return;
        const info = JSON.parse(buffer.slice(5, end)) as { nonce: string };
        const sig = Buffer.from(fromSeed(encoder.encode(user.seed)).sign(encoder.encode(info.nonce))).toString(
          'base64url',
        );
        const connectBody = {
          jwt: user.jwt,
          sig,
          verbose: false,
          pedantic: false,
          protocol: 1,
          headers: true,
          name: user.name,
        };
        connected = true;
        socket.write(`CONNECT ${JSON.stringify(connectBody)}\r\nPING\r\n`);
        socket.write(`PUB ${subject} ${size}\r\n${'x'.repeat(size)}\r\nPING\r\n`);
      });
      socket.connect(this.port, '127.0.0.1');
    });
  }

  /** SIGKILL: the server goes away (connections drop, the MEMORY resolver forgets runtime updates). */
  async stop(): Promise<void> {
    await this.closeAdmin();
    await this.server.kill();
    this.running = false;
  }

  /** Starts it again on the same port with the configuration as last written (JetStream data kept). */
  async start(): Promise<void> {
    await this.server.start();
    this.running = true;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Closes every connection made here, stops the server and removes its files. */
  async close(): Promise<void> {
    for (const nc of this.connections.splice(0)) await nc.close().catch(() => undefined);
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async adminConnection(): Promise<NatsConnection> {
    if (this.admin && !this.admin.isClosed()) return this.admin;
    this.adminUser ??= await this.user(this.system, 'test-admin');
    this.admin = await connect(this.options(this.adminUser));
    return this.admin;
  }

  private async closeAdmin(): Promise<void> {
    const admin = this.admin;
    this.admin = null;
    if (admin && !admin.isClosed()) await admin.close().catch(() => undefined);
  }

  /** The server configuration: the operator, the system account, every account JWT preloaded. */
  private writeConfig(): void {
    const accounts = [this.system, this.pulse, ...this.tenantAccounts.values()];
    const lines = [
      `listen: 127.0.0.1:${this.server.port}`,
      `server_name: pulse-operator-${this.server.port}`,
      `operator: ${this.operator.jwt}`,
      `system_account: ${this.system.publicKey}`,
      'resolver: MEMORY',
      'resolver_preload: {',
      ...accounts.map((a) => `  ${a.publicKey}: ${a.jwt}`),
      '}',
    ];
    if (this.jetstream) {
      lines.push(`jetstream { store_dir: "${join(this.dir, 'js')}", max_memory_store: 64MB, max_file_store: 256MB }`);
    }
    writeFileSync(this.configFile, `${lines.join('\n')}\n`);
  }
}

/** A tenant account's claims: its limits, and the stream exports Pulse's account imports. */
function tenantClaims(spec: TenantAccountSpec): Partial<AccountClaims> {
  const limits: AccountLimits = { ...UNLIMITED_LIMITS, ...(spec.jetstream ? JETSTREAM_UNLIMITED : {}), ...spec.limits };
  const exports: Export[] = [
    { name: 'pulse-tap', subject: `tenant.${spec.tenantId}.>`, type: 'stream' },
    { name: 'pulse-heartbeats', subject: `_HEARTBEAT.tenant.${spec.tenantId}.client.*`, type: 'stream' },
    ...(spec.mapped ?? []).map((subject): Export => ({ name: `pulse-${subject}`, subject, type: 'stream' })),
  ];
  return { limits, exports };
}

/** Pulse's imports of one tenant's exports: Pulse's subjects unchanged, the others mapped under `tenant.<id>.`. */
function pulseImports(spec: TenantAccountSpec, account: string): Import[] {
  return [
    { name: `${spec.tenantId}-tap`, subject: `tenant.${spec.tenantId}.>`, account, type: 'stream' },
    {
      name: `${spec.tenantId}-heartbeats`,
      subject: `_HEARTBEAT.tenant.${spec.tenantId}.client.*`,
      account,
      type: 'stream',
    },
    ...(spec.mapped ?? []).map((subject): Import => ({
      name: `${spec.tenantId}-${subject}`,
      subject,
      account,
      type: 'stream',
      local_subject: `tenant.${spec.tenantId}.${subject}`,
    })),
  ];
}

function jetStreamEnabled(limits: AccountLimits): boolean {
  return [limits.mem_storage, limits.disk_storage].some((v) => v !== undefined && v !== 0);
}

/** A server whose accounts come from its configuration file (no operator, no JWTs), and its users' passwords. */
export interface ConfigAccountsServer {
  server: ServerProcess;
  url: string;
  /** Users by role: `sys` (system account, unrestricted), `pulse` (PULSE_ACCOUNT_PERMISSIONS), and one per tenant id (its account). */
  users: Map<string, { user: string; pass: string }>;
}

/**
 * The accounts shape without JWTs: the server configuration's `accounts` block (README,
 * Deployment shapes), each tenant an account named by its id that exports Pulse's subjects (and
 * `mapped` ones, imported under `tenant.<id>.` with `to`), JetStream with `jetstream` limits.
 */
export async function startConfigAccountsServer(
  tenants: {
    tenantId: string;
    jetstream?: { max_mem: string; max_file: string; max_streams: number; max_consumers: number };
    mapped?: string[];
  }[],
): Promise<ConfigAccountsServer> {
  const users = new Map<string, { user: string; pass: string }>([
    ['sys', { user: 'sys', pass: 'sys-secret' }],
    ['pulse', { user: 'pulse', pass: 'pulse-secret' }],
  ]);
  const list = (items: string[]) => items.map((s) => JSON.stringify(s)).join(', ');
  const imports = tenants.flatMap(({ tenantId: id, mapped = [] }) => [
    `{ stream: { account: "${id}", subject: "tenant.${id}.>" } }`,
    `{ stream: { account: "${id}", subject: "_HEARTBEAT.tenant.${id}.client.*" } }`,
    ...mapped.map((s) => `{ stream: { account: "${id}", subject: "${s}" }, to: "tenant.${id}.${s}" }`),
  ]);
  const accounts = tenants.map(({ tenantId: id, jetstream, mapped = [] }) => {
    users.set(id, { user: `${id}-app`, pass: `${id}-secret` });
    const js = jetstream
      ? `jetstream: { max_mem: ${jetstream.max_mem}, max_file: ${jetstream.max_file}, max_streams: ${jetstream.max_streams}, max_consumers: ${jetstream.max_consumers} }`
      : '';
    const exports = [`tenant.${id}.>`, `_HEARTBEAT.tenant.${id}.client.*`, ...mapped].map((s) => `{ stream: "${s}" }`);
    return `  "${id}" {\n    ${js}\n    users: [{ user: "${id}-app", password: "${id}-secret" }]\n    exports: [${exports.join(', ')}]\n  }`;
  });
  const storeDir = mkdtempSync(join(tmpdir(), 'pulse-config-accounts-'));
  const pulse = PULSE_ACCOUNT_PERMISSIONS;
  const config = `
jetstream { store_dir: "${storeDir}", max_memory_store: 64MB, max_file_store: 256MB }
accounts {
  SYS { users: [{ user: sys, password: sys-secret }] }
  PULSE {
    users: [{ user: pulse, password: pulse-secret, permissions: { publish: [${list(pulse.pub?.allow ?? [])}], subscribe: [${list(pulse.sub?.allow ?? [])}] } }]
    imports: [
      ${imports.join('\n      ')}
    ]
  }
${accounts.join('\n')}
}
system_account: SYS
`;
  const server = await startNatsServer(config);
  return { server, url: `nats://127.0.0.1:${server.port}`, users };
}
