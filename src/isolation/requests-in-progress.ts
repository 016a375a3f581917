/*
 * The requests this process is handling now: HTTP requests from their arrival to their
 * response's end, except while their body is still arriving (read-body.ts), and WebSocket
 * operations while their hooks run (a subscribe's checks, an event's token check). Background
 * slices (background-slices.ts) run only while there are none, or once they have waited their
 * bound. One count per process: every server in it shares the one event loop a background
 * slice holds.
 *
 * A request waiting for its client is no work of ours: counted, a body trickled in a byte at a
 * time (for as long as its role's body time allows) held all background work to its bound, a
 * twelfth of the event loop, with nothing else to do.
 */

/** One request's part in the count. */
interface Counted {
  /** In the count now: not while it waits for its client. */
  counted: boolean;
  ended: boolean;
}

export class RequestsInProgress {
  private count = 0;
  private readonly idle = new Set<() => void>();
  /** HTTP requests by their message, so that the body's reader (`awaitingClient`) finds them. */
  private readonly byMessage = new WeakMap<object, Counted>();

  get now(): number {
    return this.count;
  }

  /**
   * Counts one request from now; the function returned ends it (once, however often it is
   * called). `message`: an HTTP request, whose wait for its body does not count.
   */
  started(message?: object): () => void {
    const request: Counted = { counted: true, ended: false };
    this.add(1);
    if (message) this.byMessage.set(message, request);
    return () => {
      if (request.ended) return;
      request.ended = true;
      if (request.counted) this.add(-1);
    };
  }

  /** `waiting` (the body of `message` arriving): the request does not count until it settles. */
  async awaitingClient<T>(message: object, waiting: Promise<T>): Promise<T> {
    const request = this.byMessage.get(message);
    if (!request || request.ended || !request.counted) return waiting;
    request.counted = false;
    this.add(-1);
    try {
      return await waiting;
    } finally {
      if (!request.ended) {
        request.counted = true;
        this.add(1);
      }
    }
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

  /** Calls `listener` each time the last request in progress ends (or starts waiting for its client); returns the unsubscribe. */
  onIdle(listener: () => void): () => void {
    this.idle.add(listener);
    return () => void this.idle.delete(listener);
  }

  private add(change: 1 | -1): void {
    this.count += change;
    if (change < 0 && this.count === 0) for (const listener of this.idle) listener();
  }
}

/** The process's requests in progress: the HTTP server and the WebSocket hooks count here. */
export const requestsInProgress = new RequestsInProgress();
