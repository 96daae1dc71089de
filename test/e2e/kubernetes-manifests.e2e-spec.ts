import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { loadAll } from 'js-yaml';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { ConfigMap, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { describe, expect, it } from 'vitest';
import { validateEnv } from '../../src/config/env.validation.js';
import { SHUTDOWN_DEADLINE_MS } from '../../src/common/shutdown-deadline.js';
import { HealthController } from '../../src/health/health.controller.js';

/**
 * deploy/kubernetes against the Kubernetes OpenAPI schemas: kubernetes-models' validators are
 * generated from the Kubernetes OpenAPI document, @kubernetes-models/prometheus-operator's from the
 * operator's CRDs (ServiceMonitor). Both ship compiled validators: nothing is fetched at test time.
 * These schemas, like the API server's, do not forbid unknown fields (kubectl's strict field
 * validation does that at apply time, against the server).
 */
const DIR = resolve('deploy/kubernetes');

type Doc = { apiVersion?: string; kind?: string; metadata?: { name?: string } } & Record<string, unknown>;

/** One validator per apiVersion and kind the manifests use; `validate()` throws, naming the path. */
const VALIDATORS = new Map<string, (doc: Doc) => void>([
  ['v1/ServiceAccount', (d) => new ServiceAccount(d).validate()],
  ['v1/ConfigMap', (d) => new ConfigMap(d).validate()],
  ['v1/Secret', (d) => new Secret(d).validate()],
  ['v1/Service', (d) => new Service(d).validate()],
  ['apps/v1/Deployment', (d) => new Deployment(d).validate()],
  ['policy/v1/PodDisruptionBudget', (d) => new PodDisruptionBudget(d).validate()],
  ['autoscaling/v2/HorizontalPodAutoscaler', (d) => new HorizontalPodAutoscaler(d as never).validate()],
  ['monitoring.coreos.com/v1/ServiceMonitor', (d) => new ServiceMonitor(d as never).validate()],
]);

function validate(doc: Doc): void {
  const check = VALIDATORS.get(`${doc.apiVersion}/${doc.kind}`);
  if (!check) throw new Error(`no schema for ${doc.apiVersion}/${doc.kind}`);
  check(doc);
}

const kustomization = (loadAll(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8'))[0] ?? {}) as {
  resources?: string[];
  images?: { name: string; newName?: string; newTag?: string }[];
};
const files = kustomization.resources ?? [];
const docs: Doc[] = files.flatMap((file) =>
  existsSync(join(DIR, file)) ? (loadAll(readFileSync(join(DIR, file), 'utf8')) as Doc[]).filter(Boolean) : [],
);
/** The Secret's example: not in the set (an apply must not overwrite the real Secret), validated beside it. */
const SECRET_EXAMPLE = 'secret.example.yaml';
const secretExample = (loadAll(readFileSync(join(DIR, SECRET_EXAMPLE), 'utf8')) as Doc[]).filter(Boolean);
const byKind = (kind: string): Doc => {
  const doc = docs.find((d) => d.kind === kind);
  if (!doc) throw new Error(`no ${kind} in deploy/kubernetes`);
  return doc;
};

interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  image: string;
  ports: { name: string; containerPort: number }[];
  envFrom: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  startupProbe: Probe;
  readinessProbe: Probe;
  livenessProbe: Probe;
  lifecycle: { preStop: { sleep?: { seconds: number } } };
  securityContext: {
    readOnlyRootFilesystem: boolean;
    allowPrivilegeEscalation: boolean;
    capabilities: { drop: string[] };
  };
  volumeMounts: { name: string; mountPath: string }[];
}
interface PodSpec {
  terminationGracePeriodSeconds: number;
  securityContext: { runAsNonRoot: boolean; runAsUser?: number };
  containers: Container[];
  volumes: { name: string; emptyDir?: object }[];
}
const deployment = byKind('Deployment') as Doc & {
  spec: { strategy: { rollingUpdate: { maxUnavailable: number } }; template: { spec: PodSpec } };
};
const pod = deployment.spec.template.spec;
const container = pod.containers[0];

/** Pulse's real routes under /health, read from the controller's Nest metadata. */
function healthRoutes(): string[] {
  const base = Reflect.getMetadata(PATH_METADATA, HealthController) as string;
  const proto = HealthController.prototype as unknown as Record<string, object>;
  return Object.getOwnPropertyNames(proto)
    .filter((name) => name !== 'constructor')
    .map((name) => Reflect.getMetadata(PATH_METADATA, proto[name]) as string | undefined)
    .filter((path): path is string => typeof path === 'string')
    .map((path) => `/${base}/${path}`);
}

/** The variables Pulse reads: every name .env.example documents (the list env.validation.ts keeps). */
const knownVariables = new Set(
  [...readFileSync('.env.example', 'utf8').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]),
);

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  it('lists files that exist, and every document validates against the Kubernetes OpenAPI schemas', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(existsSync(join(DIR, file)), file).toBe(true);
    expect(new Set(docs.map((d) => d.kind))).toEqual(
      new Set([
        'ServiceAccount',
        'ConfigMap',
        'Deployment',
        'Service',
        'PodDisruptionBudget',
        'HorizontalPodAutoscaler',
        'ServiceMonitor',
      ]),
    );
    for (const doc of docs) expect(() => validate(doc), `${doc.kind} ${doc.metadata?.name}`).not.toThrow();
    // The Secret is created outside the set; its example validates and is what the Deployment names.
    expect(files).not.toContain(SECRET_EXAMPLE);
    expect(secretExample.map((d) => d.kind)).toEqual(['Secret']);
    for (const doc of secretExample) expect(() => validate(doc), SECRET_EXAMPLE).not.toThrow();
  });

  it('rejects broken copies (the validators can fail)', () => {
    const broken: [string, (d: Doc) => void, RegExp][] = [
      ['Deployment', (d) => ((d.spec as { replicas: unknown }).replicas = 'two'), /replicas must be integer/],
      [
        'Deployment',
        (d) => delete (d.spec as { selector?: unknown }).selector,
        /required property 'selector'|selector/,
      ],
      [
        'Deployment',
        (d) =>
          ((d.spec as typeof deployment.spec).template.spec.containers[0].readinessProbe.httpGet!.port = {
            number: 3000,
          } as never),
        /httpGet\/port/,
      ],
      [
        'HorizontalPodAutoscaler',
        (d) => delete (d.spec as { scaleTargetRef?: unknown }).scaleTargetRef,
        /scaleTargetRef/,
      ],
      [
        'ServiceMonitor',
        (d) => ((d.spec as { endpoints: { interval: string }[] }).endpoints[0].interval = '30 seconds'),
        /interval must match pattern/,
      ],
      ['Service', (d) => ((d.spec as { ports: { port: unknown }[] }).ports[0].port = '3000'), /port must be integer/],
    ];
    for (const [kind, breakIt, message] of broken) {
      const copy = structuredClone(byKind(kind));
      expect(() => validate(copy)).not.toThrow();
      breakIt(copy);
      expect(() => validate(copy), kind).toThrow(message);
    }
    expect(() => validate({ apiVersion: 'apps/v1beta1', kind: 'Deployment' })).toThrow(/no schema/);
  });

  it('probes Pulse’s real health routes: startup and liveness /health/live, readiness /health/ready', () => {
    const routes = healthRoutes();
    expect(routes).toEqual(expect.arrayContaining(['/health/live', '/health/ready']));
    const port = container.ports.find((p) => p.name === 'http');
    expect(port?.containerPort).toBe(3000);
    for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) {
      expect(routes).toContain(probe.httpGet?.path);
      expect(probe.httpGet?.port).toBe('http');
    }
    expect(container.readinessProbe.httpGet?.path).toBe('/health/ready');
    expect(container.livenessProbe.httpGet?.path).toBe('/health/live');
  });

  it('outlasts the shutdown: grace period beyond the preStop sleep plus the shutdown deadlines', () => {
    const preStop = container.lifecycle.preStop.sleep?.seconds ?? 0;
    expect(preStop).toBeGreaterThan(0);
    // Pulse bounds its whole shutdown (the hooks' deadlines, one module after another, and the HTTP
    // close) and then exits by itself: the grace period must outlast the preStop sleep plus that bound.
    expect(pod.terminationGracePeriodSeconds - preStop).toBeGreaterThan(SHUTDOWN_DEADLINE_MS / 1000);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
  });

  it('runs as non-root with a read-only root filesystem, no capabilities and a writable /tmp', () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    expect(container.securityContext.capabilities.drop).toEqual(['ALL']);
    const tmp = container.volumeMounts.find((m) => m.mountPath === '/tmp');
    expect(pod.volumes.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
    expect(container.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources.limits).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
  });

  it('configures by environment only: ConfigMap and Secret keys are variables Pulse reads, and they validate', () => {
    const config = byKind('ConfigMap') as Doc & { metadata: { name: string }; data: Record<string, string> };
    const secret = secretExample.find((d) => d.kind === 'Secret')! as Doc & {
      metadata: { name: string };
      stringData: Record<string, string>;
    };
    expect(container.envFrom).toEqual([
      { configMapRef: { name: config.metadata.name } },
      { secretRef: { name: secret.metadata.name } },
    ]);
    for (const key of [...Object.keys(config.data), ...Object.keys(secret.stringData)]) {
      expect(knownVariables.has(key), `${key} is not a variable Pulse reads`).toBe(true);
    }
    expect(Object.keys(config.data).filter((key) => key in secret.stringData)).toEqual([]);
    const env = { ...config.data, ...secret.stringData };
    // The example's placeholder key must not start a production Pulse…
    expect(() => validateEnv(env)).toThrow(/ADMIN_API_KEY/);
    // …and with a real key the rest of the example is a valid configuration.
    expect(validateEnv({ ...env, ADMIN_API_KEY: 'k'.repeat(32) }).NODE_ENV).toBe('production');
  });

  it('scrapes /metrics on the Service’s port with the admin key from the Secret', () => {
    const service = byKind('Service') as Doc & { spec: { ports: { name: string; targetPort: string }[] } };
    const monitor = byKind('ServiceMonitor') as Doc & {
      spec: {
        endpoints: { port: string; path: string; authorization: { credentials: { name: string; key: string } } }[];
      };
    };
    const secret = secretExample.find((d) => d.kind === 'Secret')! as Doc & {
      metadata: { name: string };
      stringData: Record<string, string>;
    };
    const [endpoint] = monitor.spec.endpoints;
    expect(endpoint.path).toBe('/metrics');
    // The monitor finds the Service by labels: every pair it selects on must be on the Service.
    const selects = (monitor.spec as unknown as { selector: { matchLabels: Record<string, string> } }).selector
      .matchLabels;
    expect(Object.keys(selects).length).toBeGreaterThan(0);
    expect((service.metadata as { labels?: Record<string, string> }).labels ?? {}).toMatchObject(selects);
    expect(service.spec.ports.map((p) => p.name)).toContain(endpoint.port);
    expect(service.spec.ports.find((p) => p.name === endpoint.port)?.targetPort).toBe('http');
    expect(endpoint.authorization.credentials).toEqual({ name: secret.metadata.name, key: 'ADMIN_API_KEY' });
    expect(kustomization.images).toEqual([{ name: container.image, newName: 'pulse', newTag: 'latest' }]);
  });

  // kustomize itself (kubectl's built-in) renders the whole set when kubectl is on the machine.
  const kubectl = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((path) => existsSync(path));
  if (!kubectl) console.warn('kubectl kustomize render skipped: kubectl is not installed here');
  it.skipIf(!kubectl)('kubectl kustomize renders the set, and every rendered document validates', () => {
    const out = execFileSync(kubectl!, ['kustomize', DIR], { encoding: 'utf8', timeout: 30_000 });
    const rendered = (loadAll(out) as Doc[]).filter(Boolean);
    expect(rendered).toHaveLength(docs.length);
    for (const doc of rendered) expect(() => validate(doc), `${doc.kind} ${doc.metadata?.name}`).not.toThrow();
    const image = rendered
      .filter((d) => d.kind === 'Deployment')
      .map((d) => (d as typeof deployment).spec.template.spec.containers[0].image);
    expect(image).toEqual(['pulse:latest']);
  });
});
