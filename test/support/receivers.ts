import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { SMTPServer } from 'smtp-server';
import type { AlertingOptions } from '../../src/config/pulse-options.js';
import { freePort } from './processes.js';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status answered (0: the sender was gone before the answer). */
  status: number;
  /** When it arrived (ms). */
  at: number;
  /** The sender's source port (which process sent it: see socketOwner in processes.ts). */
  remotePort: number;
}

/**
 * A local HTTP receiver recording every request. `plan(path, statuses)` makes a path answer with
 * the given statuses in turn (then 200), `failUntil` with one status until a time; `hold(path, ms)` keeps the next requests to a path
 * waiting that long each before answering (a slow receiver, a sender that dies mid-request).
 */
export class HttpReceiver {
  readonly requests: Received[] = [];
  private readonly plans = new Map<string, number[]>();
  private readonly holds = new Map<string, number[]>();
  private readonly outages = new Map<string, { status: number; until: number }>();
  /** Sent as Retry-After with every answer other than 200, when set (seconds). */
  retryAfter: string | null = null;
  private server: Server | null = null;
  url = '';

  plan(path: string, statuses: number[]): void {
    this.plans.set(path, [...statuses]);
  }

  /** Makes a path answer `status` to every request until `until` (ms), then as planned (an outage). */
  failUntil(path: string, status: number, until: number): void {
    this.outages.set(path, { status, until });
  }

  hold(path: string, delaysMs: number[]): void {
    this.holds.set(path, [...delaysMs]);
  }

  on(path: string): Received[] {
    return this.requests.filter((r) => r.path === path);
  }

  async start(): Promise<this> {
    const port = await freePort();
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const path = req.url ?? '/';
        const outage = this.outages.get(path);
        const status = outage && Date.now() < outage.until ? outage.status : (this.plans.get(path)?.shift() ?? 200);
        const received: Received = {
          at: Date.now(),
          path,
          headers: req.headers,
          body,
          status,
          remotePort: req.socket.remotePort ?? 0,
        };
        this.requests.push(received);
        // A sender that exits while its request is held closes its side: nothing answered reaches it.
        let answered = false;
        const gone = () => {
          if (!answered) received.status = 0;
        };
        req.socket.once('end', gone);
        req.socket.once('close', gone);
        const answer = () => {
          req.socket.off('end', gone);
          req.socket.off('close', gone);
          if (received.status === 0 || res.destroyed) {
            received.status = 0;
            return;
          }
          answered = true;
          res.writeHead(status, {
            'content-type': 'text/plain',
            ...(status !== 200 && this.retryAfter !== null ? { 'retry-after': this.retryAfter } : {}),
          });
          res.end(status === 200 ? 'ok' : 'receiver-private-error-body');
        };
        const delay = this.holds.get(path)?.shift();
        if (delay) setTimeout(answer, delay);
        else answer();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  async stop(): Promise<void> {
    const closed = new Promise((resolve) => this.server?.close(resolve));
    // Requests still held are cut (recorded as not answered) rather than waited for.
    this.server?.closeAllConnections();
    await closed;
  }
}

/** A local SMTP server (smtp-server) collecting messages. */
export class SmtpReceiver {
  readonly messages: { to: string[]; data: string }[] = [];
  private server: SMTPServer | null = null;
  url = '';

  async start(): Promise<this> {
    const port = await freePort();
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData: (stream, session, callback) => {
        let data = '';
        stream.on('data', (d: Buffer) => (data += d.toString()));
        stream.on('end', () => {
          this.messages.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `smtp://127.0.0.1:${port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

/**
 * Alerting options that deliver to local receivers: e-mail through `smtp`, PagerDuty's events to
 * `http` (/pagerduty), loopback targets allowed, quick retries; `more` on top.
 */
export function localAlerting(
  http: HttpReceiver,
  smtp: SmtpReceiver,
  more: Partial<AlertingOptions> = {},
): Partial<AlertingOptions> {
  return {
    allowPrivateTargets: true,
    smtpUrl: smtp.url,
    emailFrom: 'pulse@test.local',
    pagerdutyEventsUrl: `${http.url}/pagerduty`,
    retryBaseMs: 50,
    timeoutMs: 2000,
    ...more,
  };
}

/**
 * One channel of each type at the local receivers, named by type: Slack under /slack/, PagerDuty
 * with `routingKey`, e-mail to oncall@example.com, a signed webhook at /hook.
 */
export function localChannels(http: HttpReceiver, routingKey: string) {
  return [
    { type: 'slack', name: 'slack', config: { webhookUrl: `${http.url}/slack/T000/B000/XXXXSECRET` } },
    { type: 'pagerduty', name: 'pagerduty', config: { routingKey } },
    { type: 'email', name: 'email', config: { to: ['oncall@example.com'] } },
    { type: 'webhook', name: 'webhook', config: { url: `${http.url}/hook` } },
  ];
}
