import net from "node:net";

/*
 * Talks to a loopback server over a bare socket, as an attacker's script would: `write` sends
 * whatever it likes (slowly, endlessly, malformed), and the answer is everything the server
 * sent back until it closed the connection or `waitMs` passed.
 */
export async function rawExchange(port: number, write: (socket: net.Socket) => Promise<void>, waitMs = 8_000): Promise<{ text: string; closed: boolean }> {
  const socket = net.connect(port, "127.0.0.1");
  socket.on("error", () => undefined); // a reset while still writing is an expected end here
  let text = "";
  socket.on("data", (data) => (text += data.toString("latin1")));
  const closed = new Promise<boolean>((resolve) => {
    socket.once("close", () => resolve(true));
    setTimeout(() => resolve(false), waitMs).unref();
  });
  await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  await write(socket).catch(() => undefined);
  const wasClosed = await closed;
  socket.destroy();
  return { text, closed: wasClosed };
}
