/*
 * The requests this process is handling now: HTTP requests from their arrival to their
 * response's end, and WebSocket operations while their hooks run (a subscribe's checks, an
 * event's token check). Background slices (background-slices.ts) run only while there are
 * none, or once they have waited their bound. One count per process: every server in it shares
 * the one event loop a background slice holds.
 */
export class RequestsInProgress {
  private count = 0;
  private readonly idle = new Set<() => void>();

  get now(): number {
    return this.count;
  }

  /** Counts one request from now; the function returned ends it (once, however often it is called). */
  started(): () => void {
    this.count++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.count === 0) for (const listener of this.idle) listener();
    };
  }

  /** Runs `work` counted as one request. */
  async during<T>(work: () => Promise<T>): Promise<T> {
    const end = this.started();
    try {
      return await work();
    } finally {
      end();
    }
  }

  /** Calls `listener` each time the last request in progress ends; returns the unsubscribe. */
  onIdle(listener: () => void): () => void {
    this.idle.add(listener);
    return () => void this.idle.delete(listener);
  }
}

/** The process's requests in progress: the HTTP server and the WebSocket hooks count here. */
export const requestsInProgress = new RequestsInProgress();
