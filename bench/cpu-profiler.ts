/*
 * Preloaded (`--import`) into a bench service: the V8 sampling profiler, started and stopped by
 * the bench over the IPC channel ("start", then "stop", answered with the profile or the
 * inspector's error), so that a profile covers only the turns the bench chooses and the service
 * runs unprofiled otherwise.
 */
import { Session } from "node:inspector";

const session = new Session();
session.connect();
const post = (method: string) => new Promise<unknown>((resolve, reject) => session.post(method, (error, result) => (error ? reject(error) : resolve(result))));

// One command at a time, in the order they came: "stop" waits for "start" to have taken effect.
let commands: Promise<unknown> = post("Profiler.enable");
process.on("message", (message) => {
  if (message === "start") commands = commands.then(() => post("Profiler.start"));
  if (message === "stop") {
    commands = commands
      .then(() => post("Profiler.stop"))
      .then(
        (result) => process.send?.({ profile: (result as { profile: unknown }).profile }),
        (error: unknown) => process.send?.({ error: String(error) }),
      );
  }
});
// The channel must not keep a draining service alive.
process.channel?.unref();
