import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, ServerProcess } from './processes.js';

/** Debian's prometheus package (server and promtool), installed by `npm test`'s pretest where it can be. */
export const PROMETHEUS = '/usr/bin/prometheus';
export const PROMTOOL = '/usr/bin/promtool';
export const hasPrometheus = existsSync(PROMETHEUS) && existsSync(PROMTOOL);

/** The one line a suite prints when it cannot run here. */
export function sayPrometheusMissing(suite: string): void {
  if (!hasPrometheus) {
    console.warn(
      `${suite} skipped: ${PROMETHEUS} and ${PROMTOOL} are missing (apt-get install prometheus was not possible here)`,
    );
  }
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** A private Prometheus server on a free loopback port, its TSDB in a fresh directory. */
export class PrometheusServer {
  private constructor(
    readonly process: ServerProcess,
    readonly url: string,
  ) {}

  /** `config` is written as JSON, which YAML (Prometheus' config format) reads as it is. */
  static async start(config: object): Promise<PrometheusServer> {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-prometheus-'));
    writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config, null, 2));
    const port = await freePort();
    const args = [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ];
    const server = new PrometheusServer(
      await new ServerProcess(PROMETHEUS, args, port).start(),
      `http://127.0.0.1:${port}`,
    );
    await server.ready();
    return server;
  }

  private async ready(): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const res = await fetch(`${this.url}/-/ready`).catch(() => null);
      if (res?.ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('prometheus did not become ready in 20 s');
  }

  /** An instant query; throws with Prometheus' own error text when it refuses the expression. */
  async query(expr: string): Promise<PromSample[]> {
    const res = await fetch(`${this.url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: PromSample[] };
    };
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
    if (body.data?.resultType !== 'vector') throw new Error(`${expr}: a ${body.data?.resultType}, not a vector`);
    return body.data.result;
  }

  /** The value of a query that yields one series, or null when it yields none. */
  async scalar(expr: string): Promise<number | null> {
    const result = await this.query(expr);
    if (result.length > 1) throw new Error(`${expr}: ${result.length} series, expected one`);
    return result.length === 0 ? null : Number(result[0].value[1]);
  }

  async stop(): Promise<void> {
    await this.process.kill();
  }
}
