import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { javaMajorVersion, javaProblem } from '../../local/dynamodb/java-check';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A PATH holding only a `java` that prints `versionLine` as the real one does (on stderr), or no java at all. */
function pathWithJava(versionLine?: string, exitCode = 0): string {
  const dir = mkdtempSync(join(tmpdir(), 'java-check-'));
  dirs.push(dir);
  if (versionLine !== undefined) {
    writeFileSync(join(dir, 'java'), `#!/bin/sh\necho '${versionLine}' >&2\nexit ${exitCode}\n`);
    chmodSync(join(dir, 'java'), 0o755);
  }
  return dir;
}

describe('the Java check before DynamoDB Local starts', () => {
  it('says in one sentence that Java is missing and how to install it on Debian/Ubuntu and macOS', () => {
    const problem = javaProblem({ PATH: pathWithJava() });
    expect(problem).toMatch(/^DynamoDB Local needs Java 17 or later, but `java` was not found on PATH: install/);
    expect(problem).toContain('sudo apt-get install -y openjdk-17-jdk-headless');
    expect(problem).toContain('brew install openjdk@17');
    expect(problem?.split('. ')).toHaveLength(1);
  });

  it('rejects a Java older than 17, naming the version found', () => {
    expect(javaProblem({ PATH: pathWithJava('openjdk version "11.0.22" 2024-01-16') })).toMatch(
      /but `java` on PATH is Java 11: install a Java 17 or later JDK/,
    );
    expect(javaProblem({ PATH: pathWithJava('java version "1.8.0_402"') })).toMatch(/is Java 8:/);
  });

  it('reports a java that does not run properly', () => {
    expect(javaProblem({ PATH: pathWithJava('Error: broken install', 1) })).toMatch(
      /`java -version` did not work \(exit 1\)/,
    );
  });

  it('accepts Java 17 and later', () => {
    expect(javaProblem({ PATH: pathWithJava('openjdk version "17.0.15" 2025-04-15') })).toBeUndefined();
    expect(javaProblem({ PATH: pathWithJava('openjdk version "21" 2023-09-19') })).toBeUndefined();
    expect(javaMajorVersion('openjdk version "25-ea" 2025-09-16')).toBe(25);
    expect(javaMajorVersion('no version here')).toBeUndefined();
  });
});
