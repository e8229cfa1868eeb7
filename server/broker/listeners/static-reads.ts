/**
 * Plain TCP reads into one shared buffer instead of Node's default read path.
 *
 * By default every read of every socket costs a fresh 64 KB allocation that is then copied
 * to the size read, an ArrayBuffer for JavaScript, and a trip through Readable's buffering
 * to a 'data' event. With many connections that each send a small packet per read (the
 * publishers of a fan-in), that per-read cost was a large share of the broker's CPU time.
 * Node offers the cheaper path (`onread`: reads land in a buffer we own and go straight to a
 * callback) only to sockets it connects, not to those a server accepts, so the accepting
 * handle's `onconnection` is replaced by the same steps Node takes (lib/net.js) with that
 * option added. Each read is copied out at once into a buffer of its exact size, so frames
 * and payloads keep referring to bytes of their own as before.
 *
 * Node internals are involved (`server._handle`, the `handle` option of net.Socket); when
 * they are not as expected, the server keeps Node's default path.
 */
import net from 'node:net';

type Server = net.Server & {
  _handle?: { onconnection?: (err: number, clientHandle: unknown) => void } | null;
  _connections: number;
  allowHalfOpen?: boolean;
};

/** One buffer for every socket: reads happen one at a time on this thread and are copied out at once. */
const readBuffer = Buffer.allocUnsafe(64 * 1024);

/**
 * Views of the first n bytes of readBuffer, for reads of up to SMALL_READ bytes. Node 20's
 * Buffer#copy makes such a view for every copy of part of a buffer; small reads (one packet
 * each under light load) reuse one instead.
 */
const SMALL_READ = 1024;
const smallViews: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(SMALL_READ + 1).fill(undefined);

function copyOut(nread: number): Buffer {
  const chunk = Buffer.allocUnsafe(nread);
  if (nread <= SMALL_READ) chunk.set((smallViews[nread] ??= new Uint8Array(readBuffer.buffer, readBuffer.byteOffset, nread)));
  else readBuffer.copy(chunk, 0, 0, nread);
  return chunk;
}

/**
 * Makes `server` (listening) hand out sockets whose bytes go to `onBytes` instead of 'data'
 * events. Returns false, changing nothing, when Node's internals are not as expected.
 */
export function acceptWithStaticReads(server: net.Server, onBytes: (socket: net.Socket, chunk: Buffer) => void): boolean {
  const s = server as Server;
  const handle = s._handle;
  if (!handle || typeof handle.onconnection !== 'function' || typeof s._connections !== 'number') return false;
  function onRead(this: net.Socket, nread: number): void {
    onBytes(this, copyOut(nread));
  }
  const defaultOnConnection = handle.onconnection;
  handle.onconnection = function (err: number, clientHandle: unknown): void {
    if (err) {
      defaultOnConnection.call(this, err, clientHandle); // emits the accept error
      return;
    }
    const socket = new net.Socket({
      handle: clientHandle,
      allowHalfOpen: s.allowHalfOpen,
      readable: true,
      writable: true,
      onread: { buffer: readBuffer, callback: onRead },
    } as net.SocketConstructorOpts);
    // The server's own bookkeeping, as in Node's onconnection: close() waits for these sockets.
    s._connections++;
    (socket as net.Socket & { server: net.Server; _server: net.Server }).server = server;
    (socket as net.Socket & { _server: net.Server })._server = server;
    server.emit('connection', socket);
  };
  return true;
}
