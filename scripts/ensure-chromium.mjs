// `npm test` runs this first (npm's pretest): the dashboard suite drives Debian's Chromium
// (playwright-core downloads no browser), so on a machine without it this installs it with
// apt-get when it can (root), and otherwise stops before any test with one line saying how.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';
const HOW = `the dashboard test needs Debian's Chromium at ${CHROMIUM}: run "apt-get update && apt-get install -y chromium" as root, then npm test again`;

if (!existsSync(CHROMIUM)) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !existsSync('/usr/bin/apt-get')) {
    console.error(`npm test: ${HOW}`);
    process.exit(1);
  }
  console.log('npm test: installing Debian chromium for the dashboard test (once per machine)…');
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  } catch {
    console.error(`npm test: installing chromium failed; ${HOW}`);
    process.exit(1);
  }
  if (!existsSync(CHROMIUM)) {
    console.error(`npm test: ${HOW}`);
    process.exit(1);
  }
}
