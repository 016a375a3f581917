import { requestsInProgress, type RequestsInProgress } from "./requests-in-progress.ts";
import { serviceMetrics } from "../observability/service-metrics.ts";

/*
 * Who runs the next slice of background work (src/isolation/run-in-slices.ts): work no request
 * is waiting for (the warm-up after a sync, the findings update's report and digests). Its
 * slices run one at a time, in turn, and only while no request is being handled; under
 * continuous load, once one has waited STARVATION_BOUND_MS since the last background slice.
 * Foreground slices (a patch a verdict awaits) keep going through every turn of the event loop.
 *
 * A request that comes to await background work (a report awaiting the warm-up, or the report
 * scan the findings update started) promotes it: it then runs as foreground work, for good,
 * and so does the work it awaits. It would otherwise starve behind the very request waiting
 * for it, which keeps the count above zero.
 */

/**
 * Under continuous load, background work still gets one slice (`SLICE_MS`, 2 ms) at least this
 * often: about a twelfth of the event loop, so a warm-up of fleet M (8–19 s of work) ends within
 * a few minutes of saturation rather than never; and a request shorter than the bound meets at
 * most one background slice, 2 ms on its latency, well within twice the trivial query's.
 */
export const STARVATION_BOUND_MS = 25;

/** Why each background slice was let run: no request in progress, or it had waited its bound. */
export type Grant = "idle" | "overdue";

export class SliceScheduler {
  private readonly queue: BackgroundWork[] = [];
  private armed = false;
  private timer: NodeJS.Timeout | null = null;
  private lastGrant = performance.now();
  /** Slices granted so far, by why (for tests and /metrics). */
  readonly granted: Record<Grant, number> = { idle: 0, overdue: 0 };

  constructor(
    private readonly requests: RequestsInProgress = requestsInProgress,
    /** The starvation bound; a test sets none (Infinity) to show what cannot starve without it. */
    public boundMs = STARVATION_BOUND_MS,
    private readonly onGrant: (why: Grant) => void = () => undefined,
  ) {
    requests.onIdle(() => this.pump());
  }

  /** A new piece of background work, to pass to runInSlices. */
  work(): BackgroundWork {
    return new BackgroundWork(this);
  }

  /** Background work waiting for a slice now. */
  get waiting(): number {
    return this.queue.length;
  }

  /** @internal (BackgroundWork): queues `work` for its next slice. */
  enqueue(work: BackgroundWork): void {
    this.queue.push(work);
    this.pump();
  }

  /** @internal (BackgroundWork): takes promoted `work` out of the queue. */
  dequeue(work: BackgroundWork): void {
    const at = this.queue.indexOf(work);
    if (at >= 0) this.queue.splice(at, 1);
  }

  /** Decides on the next turn of the event loop, after its I/O: requests that just arrived count. */
  private pump(): void {
    if (this.armed || this.queue.length === 0) return;
    this.armed = true;
    setImmediate(() => {
      this.armed = false;
      this.grant();
    });
  }

  private grant(): void {
    if (this.queue.length === 0) return;
    const waited = performance.now() - this.lastGrant;
    const why: Grant | null = this.requests.now === 0 ? "idle" : waited >= this.boundMs ? "overdue" : null;
    if (why === null) {
      // Busy: the bound's timer (none without a bound), unless the last request ends first (onIdle pumps).
      if (Number.isFinite(this.boundMs)) {
        this.timer ??= setTimeout(() => {
          this.timer = null;
          this.grant();
        }, this.boundMs - waited);
      }
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.lastGrant = performance.now();
    this.granted[why]++;
    this.onGrant(why);
    this.queue.shift()?.wake();
    this.pump();
  }
}

/** One piece of background work: its slices wait for the scheduler until it is promoted. */
export class BackgroundWork {
  private promotedNow = false;
  private readonly awaited: BackgroundWork[] = [];
  private resume: (() => void) | null = null;

  constructor(private readonly scheduler: SliceScheduler) {}

  get promoted(): boolean {
    return this.promotedNow;
  }

  /** A request awaits this work: from now on it runs as foreground work, and so does what it awaits. */
  promote(): void {
    if (this.promotedNow) return;
    this.promotedNow = true;
    for (const other of this.awaited.splice(0)) other.promote();
    if (this.resume) {
      this.scheduler.dequeue(this);
      setImmediate(() => this.wake());
    }
  }

  /** This work waits for `other`: promoting this promotes that. */
  awaits(other: BackgroundWork): void {
    if (this.promotedNow) other.promote();
    else this.awaited.push(other);
  }

  /** Resolves when this work may run its next slice. */
  turn(): Promise<void> {
    return new Promise((resolve) => {
      this.resume = resolve;
      if (this.promotedNow) setImmediate(() => this.wake());
      else this.scheduler.enqueue(this);
    });
  }

  /** @internal (SliceScheduler): lets this work run its slice. */
  wake(): void {
    const resume = this.resume;
    this.resume = null;
    resume?.();
  }
}

/** The process's scheduler: background work of every server in it shares the one event loop. */
export const backgroundSlices = new SliceScheduler(requestsInProgress, STARVATION_BOUND_MS, (why) => serviceMetrics.backgroundSlices.inc({ why }));
