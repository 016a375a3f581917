/*
 * Preloaded into the service the bench starts (with --expose-gc): SIGUSR2 makes it collect
 * garbage, so the bench reads the heap the service keeps rather than what it has not yet freed.
 * Bench only: the service itself never exposes gc.
 */
process.on("SIGUSR2", () => globalThis.gc?.());
