/**
 * The sandbox's sense of time. Tests freeze it (`scale: 0`) and move it by hand; benchmarks may
 * run it faster than real time (`scale: 60`); the standalone sandbox follows the wall clock.
 * Every expiry, limit window, batching window and retry schedule in the sandboxes reads this clock.
 */
export interface ClockOptions {
  /** Sandbox epoch milliseconds at start. Default: the wall clock. */
  start?: number;
  /** Sandbox milliseconds per real millisecond. 0 freezes the clock. Default 1. */
  scale?: number;
}

export type ClockListener = (now: number) => void;

export class SandboxClock {
  private base: number;
  private realBase: number;
  private rate: number;
  private readonly listeners = new Set<ClockListener>();

  constructor(options: ClockOptions = {}) {
    this.realBase = Date.now();
    this.base = options.start ?? this.realBase;
    this.rate = options.scale ?? 1;
  }

  now(): number {
    return Math.floor(this.base + (Date.now() - this.realBase) * this.rate);
  }

  get scale(): number {
    return this.rate;
  }

  set(epochMs: number): void {
    this.rebase(epochMs);
    this.emit();
  }

  advance(ms: number): void {
    if (ms < 0) throw new RangeError('the sandbox clock only moves forward');
    this.rebase(this.now() + ms);
    this.emit();
  }

  setScale(scale: number): void {
    if (scale < 0) throw new RangeError('scale must be >= 0');
    this.rebase(this.now());
    this.rate = scale;
  }

  /** Called after `set` and `advance`, so schedulers can run what has become due. */
  onChange(listener: ClockListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private rebase(epochMs: number): void {
    this.base = epochMs;
    this.realBase = Date.now();
  }

  private emit(): void {
    const now = this.now();
    for (const listener of this.listeners) listener(now);
  }
}
