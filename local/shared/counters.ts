/** Call counters a test can read: per named counter, optionally split by a label (realm, company). */
export class Counters {
  private readonly values = new Map<string, Map<string, number>>();

  increment(name: string, label = '*', by = 1): void {
    let byLabel = this.values.get(name);
    if (!byLabel) {
      byLabel = new Map();
      this.values.set(name, byLabel);
    }
    byLabel.set(label, (byLabel.get(label) ?? 0) + by);
  }

  get(name: string, label?: string): number {
    const byLabel = this.values.get(name);
    if (!byLabel) return 0;
    if (label !== undefined) return byLabel.get(label) ?? 0;
    let total = 0;
    for (const value of byLabel.values()) total += value;
    return total;
  }

  snapshot(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [name, byLabel] of this.values) out[name] = Object.fromEntries(byLabel);
    return out;
  }

  reset(): void {
    this.values.clear();
  }
}
