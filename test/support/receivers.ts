import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { SMTPServer } from 'smtp-server';
import { freePort } from './processes.js';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A local HTTP receiver recording every request. `plan(path, statuses)` makes a path answer with
 * the given statuses in turn (then 200).
 */
export class HttpReceiver {
  readonly requests: Received[] = [];
  private readonly plans = new Map<string, number[]>();
  private server: Server | null = null;
  url = '';

  plan(path: string, statuses: number[]): void {
    this.plans.set(path, [...statuses]);
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
        this.requests.push({ path, headers: req.headers, body });
        const status = this.plans.get(path)?.shift() ?? 200;
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(status === 200 ? 'ok' : 'receiver-private-error-body');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
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
