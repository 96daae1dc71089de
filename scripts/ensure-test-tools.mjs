// `npm test` runs this first (npm's pretest). The dashboard suite drives Debian's Chromium
// (playwright-core downloads no browser): on a machine without it this installs it with apt-get
// when it can (root), and otherwise stops before any test with one line saying how. Debian's
// prometheus package brings the server (the scrape and operator-kit e2e suites run one) and
// promtool (format checks, the alerting rules' tests): installed the same way when possible;
// where it cannot be, those suites are skipped, each saying so in one line.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';
const PROMETHEUS = ['/usr/bin/prometheus', '/usr/bin/promtool'];
const CONTAINER_TOOLS = {
  '/usr/bin/podman': 'podman',
  '/usr/bin/runc': 'runc',
  '/usr/sbin/debootstrap': 'debootstrap',
};
const HOW = `the dashboard test needs Debian's Chromium at ${CHROMIUM}: run "apt-get update && apt-get install -y chromium" as root, then npm test again`;
const root = typeof process.getuid === 'function' && process.getuid() === 0;
const canInstall = root && existsSync('/usr/bin/apt-get');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
let updated = false;

function install(pkg, ...flags) {
  if (!updated) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    updated = true;
  }
  // Package scripts may not start services here (policy-rc.d); nothing is started by this.
  execFileSync('apt-get', ['install', '-y', '-qq', ...flags, pkg], { stdio: ['ignore', 'ignore', 'inherit'], env });
}

if (!existsSync(CHROMIUM)) {
  if (!canInstall) {
    console.error(`npm test: ${HOW}`);
    process.exit(1);
  }
  console.log('npm test: installing Debian chromium for the dashboard test (once per machine)…');
  try {
    install('chromium');
  } catch {
    console.error(`npm test: installing chromium failed; ${HOW}`);
    process.exit(1);
  }
  if (!existsSync(CHROMIUM)) {
    console.error(`npm test: ${HOW}`);
    process.exit(1);
  }
}

if (!PROMETHEUS.every((f) => existsSync(f)) && canInstall) {
  console.log('npm test: installing Debian prometheus for promtool (once per machine)…');
  try {
    install('prometheus', '--no-install-recommends');
  } catch {
    console.warn('npm test: installing prometheus failed; the suites that need it will be skipped');
  }
}

const containerPackages = Object.entries(CONTAINER_TOOLS)
  .filter(([file]) => !existsSync(file))
  .map(([, pkg]) => pkg);
if (containerPackages.length > 0 && canInstall) {
  console.log(`npm test: installing Debian ${containerPackages.join(', ')} for the container test (once per machine)…`);
  try {
    for (const pkg of containerPackages) install(pkg, '--no-install-recommends');
  } catch {
    console.warn('npm test: installing podman, runc or debootstrap failed; the container suite will be skipped');
  }
}
