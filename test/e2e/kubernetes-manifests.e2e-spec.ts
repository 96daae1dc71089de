import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { loadAll } from 'js-yaml';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { ConfigMap, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { describe, expect, it } from 'vitest';
import { tenantShard } from '../../src/common/rendezvous.js';
import { SHUTDOWN_DEADLINE_MS } from '../../src/common/shutdown-deadline.js';
import { toPulseOptions, validateEnv } from '../../src/config/env.validation.js';
import { HealthController } from '../../src/health/health.controller.js';

/**
 * deploy/kubernetes against the Kubernetes OpenAPI schemas: kubernetes-models' validators are
 * generated from the Kubernetes OpenAPI document, @kubernetes-models/prometheus-operator's from the
 * operator's CRDs (ServiceMonitor). Both ship compiled validators: nothing is fetched at test time.
 * These schemas, like the API server's, do not forbid unknown fields (kubectl's strict field
 * validation does that at apply time, against the server).
 */
const DIR = resolve('deploy/kubernetes');
/** The tenant-shards overlay: the same set with a StatefulSet instead of the Deployment and the HPA. */
const SHARDS_DIR = resolve('deploy/kubernetes-shards');

type Doc = { apiVersion?: string; kind?: string; metadata?: { name?: string } } & Record<string, unknown>;

/** One validator per apiVersion and kind the manifests use; `validate()` throws, naming the path. */
const VALIDATORS = new Map<string, (doc: Doc) => void>([
  ['v1/ServiceAccount', (d) => new ServiceAccount(d).validate()],
  ['v1/ConfigMap', (d) => new ConfigMap(d).validate()],
  ['v1/Secret', (d) => new Secret(d).validate()],
  ['v1/Service', (d) => new Service(d).validate()],
  ['apps/v1/Deployment', (d) => new Deployment(d).validate()],
  ['apps/v1/StatefulSet', (d) => new StatefulSet(d).validate()],
  ['policy/v1/PodDisruptionBudget', (d) => new PodDisruptionBudget(d).validate()],
  ['autoscaling/v2/HorizontalPodAutoscaler', (d) => new HorizontalPodAutoscaler(d as never).validate()],
  ['monitoring.coreos.com/v1/ServiceMonitor', (d) => new ServiceMonitor(d as never).validate()],
]);

function validate(doc: Doc): void {
  const check = VALIDATORS.get(`${doc.apiVersion}/${doc.kind}`);
  if (!check) throw new Error(`no schema for ${doc.apiVersion}/${doc.kind}`);
  check(doc);
}

interface Kustomization {
  resources?: string[];
  images?: { name: string; newName?: string; newTag?: string }[];
  patches?: { patch: string }[];
}
const readKustomization = (dir: string) =>
  (loadAll(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'))[0] ?? {}) as Kustomization;
/** The documents of a kustomization's resource files (not of the bases it names). */
const documentsOf = (dir: string, files: string[]): Doc[] =>
  files.flatMap((file) =>
    existsSync(join(dir, file)) && file.endsWith('.yaml')
      ? (loadAll(readFileSync(join(dir, file), 'utf8')) as Doc[]).filter(Boolean)
      : [],
  );
const kustomization = readKustomization(DIR);
const files = kustomization.resources ?? [];
const docs: Doc[] = documentsOf(DIR, files);
/** The Secret's example: not in the set (an apply must not overwrite the real Secret), validated beside it. */
const SECRET_EXAMPLE = 'secret.example.yaml';
const secretExample = documentsOf(DIR, [SECRET_EXAMPLE]);
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

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}
const shardsKustomization = readKustomization(SHARDS_DIR);
const shardsDocs = documentsOf(SHARDS_DIR, shardsKustomization.resources ?? []);
const statefulSet = shardsDocs.find((d) => d.kind === 'StatefulSet') as Doc & {
  spec: {
    replicas: number;
    serviceName: string;
    template: { spec: PodSpec & { containers: (Container & { env: EnvVar[] })[] } };
  };
};
const shardEnv = statefulSet.spec.template.spec.containers[0].env;
const shardCount = Number(shardEnv.find((e) => e.name === 'PULSE_SHARDS')?.value);

/**
 * A StatefulSet rolling update from `from` to `to` shards over `replicas` pods (the highest index
 * first, one pod down at a time, the next only once it is ready): for every step, the tenants with
 * no subscriber (no pod up whose shard owns them, under its own count). Pods share the queue group,
 * so one subscriber anywhere is enough and two do not count twice.
 */
function uncoveredDuringRoll(from: number, to: number, replicas: number, tenants: string[]): string[] {
  const uncovered = new Set<string>();
  for (let down = replicas - 1; down >= -1; down--) {
    // Pods below `down` still run the old count, pods above it the new one; `down` is restarting.
    const up = Array.from({ length: replicas }, (_, k) => k).filter((k) => k !== down);
    for (const t of tenants) {
      const covered = up.some((k) => (k < down ? k % from === tenantShard(t, from) : k % to === tenantShard(t, to)));
      if (!covered) uncovered.add(t);
    }
  }
  return [...uncovered];
}

describe('Kubernetes tenant shards (deploy/kubernetes-shards)', () => {
  it('is the base set with a StatefulSet for the Deployment and its autoscaler, and validates', () => {
    expect(shardsKustomization.resources).toEqual(['../kubernetes', 'statefulset.yaml']);
    const deleted = (shardsKustomization.patches ?? []).map((p) => loadAll(p.patch)[0] as Doc & { $patch?: string });
    expect(deleted.map((d) => [d.$patch, d.kind, d.metadata?.name])).toEqual([
      ['delete', 'Deployment', 'pulse'],
      ['delete', 'HorizontalPodAutoscaler', 'pulse'],
    ]);
    expect(shardsKustomization.images).toEqual(kustomization.images);
    for (const doc of shardsDocs) expect(() => validate(doc), `${doc.kind} ${doc.metadata?.name}`).not.toThrow();
    const broken = structuredClone(statefulSet);
    (broken.spec as { replicas: unknown }).replicas = 'six';
    expect(() => validate(broken)).toThrow(/replicas must be integer/);
  });

  it('runs the Deployment’s pod template, plus the shard count and the pod index as the instance ordinal', () => {
    const withoutEnv = structuredClone(statefulSet.spec.template) as { spec: { containers: { env?: unknown }[] } };
    delete withoutEnv.spec.containers[0].env;
    expect(withoutEnv).toEqual((deployment.spec as unknown as { template: unknown }).template);
    expect(shardEnv).toEqual([
      { name: 'PULSE_SHARDS', value: String(shardCount) },
      {
        name: 'PULSE_INSTANCE_ORDINAL',
        valueFrom: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } },
      },
    ]);
    for (const { name } of shardEnv)
      expect(knownVariables.has(name), `${name} is not a variable Pulse reads`).toBe(true);
    expect(statefulSet.spec.serviceName).toBe((byKind('Service').metadata as { name: string }).name);
  });

  it('gives every shard at least two pods; each pod’s configuration validates and names its shard', () => {
    expect(shardCount).toBeGreaterThan(1);
    const { replicas } = statefulSet.spec;
    expect(replicas % shardCount).toBe(0);
    expect(replicas / shardCount).toBeGreaterThanOrEqual(2);
    const config = (byKind('ConfigMap') as Doc & { data: Record<string, string> }).data;
    const secret = (secretExample.find((d) => d.kind === 'Secret')! as Doc & { stringData: Record<string, string> })
      .stringData;
    const podsOf = new Map<number, number>();
    for (let pod = 0; pod < replicas; pod++) {
      const env = { ...config, ...secret, ADMIN_API_KEY: 'k'.repeat(32), PULSE_SHARDS: String(shardCount) };
      const shard = toPulseOptions(validateEnv({ ...env, PULSE_INSTANCE_ORDINAL: String(pod) })).shard!;
      expect(shard).toEqual({ count: shardCount, index: pod % shardCount, ordinal: pod });
      podsOf.set(shard.index, (podsOf.get(shard.index) ?? 0) + 1);
      // Without the label (a cluster before 1.28): the variable is empty, and Pulse refuses to start.
      expect(() => validateEnv({ ...env, PULSE_INSTANCE_ORDINAL: '' })).toThrow(/PULSE_SHARDS=\d+ needs PULSE_SHARD/);
    }
    expect([...podsOf.keys()].sort()).toEqual(Array.from({ length: shardCount }, (_, i) => i));
    expect(Math.min(...podsOf.values())).toBeGreaterThanOrEqual(2);
  });

  it('the documented change of the count leaves no tenant without a subscriber at any step of the roll', () => {
    const tenants = Array.from({ length: 1000 }, (_, i) => `tenant-${i}`);
    // README: replicas at least 2 × the larger count during the change, growing or shrinking.
    for (const [from, to] of [
      [1, 2],
      [2, 3],
      [3, 4],
      [3, 5],
      [4, 3],
      [3, 1],
    ]) {
      expect(uncoveredDuringRoll(from, to, 2 * Math.max(from, to), tenants), `${from} → ${to}`).toEqual([]);
    }
    // Why the rule: growing 3 → 4 on 6 pods leaves the tenants of old shard 2 that stay on shard 2
    // without a subscriber while pod 2 restarts (pods 0-1 old, 3-5 new: shards 3, 0, 1 of 4).
    expect(uncoveredDuringRoll(3, 4, 6, tenants).length).toBeGreaterThan(0);
  });

  // kubectl's kustomize renders the overlay (the base through `../kubernetes`) where it is installed.
  const kubectl = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((path) => existsSync(path));
  it.skipIf(!kubectl)('kubectl kustomize renders the overlay: no Deployment or autoscaler, the StatefulSet', () => {
    const out = execFileSync(kubectl!, ['kustomize', SHARDS_DIR], { encoding: 'utf8', timeout: 30_000 });
    const rendered = (loadAll(out) as Doc[]).filter(Boolean);
    for (const doc of rendered) expect(() => validate(doc), `${doc.kind} ${doc.metadata?.name}`).not.toThrow();
    const kinds = rendered.map((d) => d.kind).sort();
    expect(kinds).toEqual(
      docs
        .map((d) => d.kind)
        .filter((k) => k !== 'Deployment' && k !== 'HorizontalPodAutoscaler')
        .concat('StatefulSet')
        .sort(),
    );
    const set = rendered.find((d) => d.kind === 'StatefulSet') as typeof statefulSet;
    expect(set.spec.template.spec.containers[0].image).toBe('pulse:latest');
    expect(set.spec.template.spec.containers[0].env).toEqual(shardEnv);
  });
});
