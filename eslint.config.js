// ESLint: typescript-eslint's type-checked recommendations, Prettier for layout, and the floors of
// ARCHITECTURE.md ("Floors") as an import rule, so an upward import fails CI.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The floors, bottom first. A file under src/<dir>/ may import from its own directory and from the
 * directories before it, never from one after it. Features are ordered too: each may use the ones
 * before it (heartbeat uses monitoring's histogram; alerting subscribes to anomalies), and a feature
 * that must tell an earlier one something emits an event through a listener seam instead.
 */
export const FLOORS = [
  'types',
  'common', // pure pieces: tiers, ids, retention, time, decorators, principal
  'config',
  'nats',
  'redis',
  'coldstore', // the cold history store (DynamoDB), beside Redis
  'jobs',
  'tenants',
  'history', // the history store: counter schema, flush, reads hot and cold, rollup scripts, archiver
  'monitoring',
  'heartbeat',
  'nats-events', // the NATS system account: connection events, CONNZ (heartbeat's connection store)
  'jetstream', // the tenants' JetStream: streams, consumers, lag (poller, store, reader)
  'health',
  'analytics',
  'anomalies',
  'usage', // what the server counts per tenant, limits and their utilisation, the usage export (issue #34)
  'metrics',
  'alerting',
  'events', // webhook events to the tenants' endpoints (issue #38): event log, subscriptions, delivery
  'compliance', // the audit trail and the compliance reads (export, report) over every feature
  'observability',
  'http', // guard, error filter, validation, throttling: installed by the composition only
  'sdk', // the tenant client: depends on nothing of the server
  'api-client', // the typed HTTP client (types generated from the OpenAPI document): likewise
  'simulator',
];
/** Files at the top of src/ compose the floors; nothing inside a floor may import them. */
const COMPOSITION = ['pulse.module', 'app.module', 'main', 'configure-app', 'openapi', 'index'];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The floor rules generated from FLOORS: one `no-restricted-imports` per floor, and an error for a
 * file in a folder of src/ that is on no floor. Exported so that src/floors.spec.ts lints with
 * exactly these rules.
 */
export function floorConfigs() {
  const onAFloor = FLOORS.map((floor, i) => {
    const standalone = floor === 'sdk' || floor === 'api-client';
    const above = standalone ? FLOORS.filter((f) => f !== floor) : FLOORS.slice(i + 1);
    const patterns = [
      {
        regex: `^(\\.\\./)+(${COMPOSITION.map(escape).join('|')})\\.js$`,
        message: 'The composition (src/*.ts) imports the floors, never the reverse (ARCHITECTURE.md, Floors).',
      },
    ];
    if (above.length > 0) {
      patterns.push({
        regex: `^(\\.\\./)+(${above.join('|')})/`,
        message: `src/${floor}/ may not import a floor above it (ARCHITECTURE.md, Floors): call down, or emit an event through a listener seam.`,
      });
    }
    return {
      files: [`src/${floor}/**/*.ts`],
      rules: { 'no-restricted-imports': ['error', { patterns }] },
    };
  });
  // A folder holding no TypeScript (dashboard/: static files) has no imports to order and needs no floor.
  const onNoFloor = {
    files: ['src/*/**/*.ts'],
    ignores: FLOORS.map((floor) => `src/${floor}/**`),
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'Program',
          message:
            'This folder of src/ is on no floor: add it to FLOORS in eslint.config.js (ARCHITECTURE.md, Floors).',
        },
      ],
    },
  };
  return [...onAFloor, onNoFloor];
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      '.ci/node/**',
      'node_modules/**',
      'coverage/**',
      'test-results/**',
      'src/dashboard/public/**',
      '.demo/**',
      'src/api-client/schema.ts',
    ],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: globals.node,
    },
    rules: {
      // `_name` marks a parameter or a destructured field that is deliberately unused.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // Tests read JSON bodies (typed `any` by nature) and give fakes async signatures without awaiting.
    files: ['test/**/*.ts', 'src/**/*.spec.ts'],
    rules: {
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: globals.node },
  },
  ...floorConfigs(),
  prettier,
);
