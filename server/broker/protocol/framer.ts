/**
 * Splits a socket's byte stream into whole MQTT packets before anything parses them.
 *
 * Doing the framing ourselves (rather than feeding mqtt-packet's streaming parser) means:
 * the declared size is checked against the maximum packet size before a byte is buffered;
 * an idle connection holds no parser state at all (one shared parser decodes whole frames,
 * see codec.ts); and a packet split over many reads is copied once into a buffer of its
 * final size instead of being re-concatenated on every read.
 */

export interface FrameSink {
  /** Bytes carried over between reads: a partial frame being filled, or unparsed leftovers. */
  framePending: Buffer | null;
  /** Bytes of framePending already filled when it is a partial frame; -1 when it is leftovers. */
  framePendingFill: number;
  /** False once the sink is closed or paused (e.g. waiting for authentication). */
  acceptsFrames(): boolean;
  onFrame(frame: Buffer): void;
  /** The declared packet size exceeds the limit. */
  onOversize(size: number): void;
  /** The remaining-length field is not a valid variable byte integer. */
  onBadLength(): void;
}

/** Feeds one chunk (may be empty, to resume after a pause). */
export function feedFrames(sink: FrameSink, chunk: Buffer, maxPacketSize: number): void {
  let buf = chunk;
  let pos = 0;
  const pending = sink.framePending;
  if (pending) {
    if (sink.framePendingFill >= 0) {
      // Continue filling a partial frame of known size.
      const fill = sink.framePendingFill;
      const n = Math.min(pending.length - fill, buf.length);
      buf.copy(pending, fill, 0, n);
      pos = n;
      if (fill + n < pending.length) {
        sink.framePendingFill = fill + n;
        return;
      }
      sink.framePending = null;
      if (sink.acceptsFrames()) sink.onFrame(pending);
      else {
        // Paused meanwhile: keep the whole frame as leftovers for the resume.
        buf = Buffer.concat([pending, buf.subarray(pos)]);
        pos = 0;
      }
    } else {
      buf = buf.length === 0 ? pending : Buffer.concat([pending, buf]);
      sink.framePending = null;
    }
  }

  while (pos < buf.length) {
    if (!sink.acceptsFrames()) {
      stash(sink, buf, pos);
      return;
    }
    // Fixed header: one type byte, then the remaining length in 1-4 bytes of 7 bits each.
    let remaining = 0;
    let multiplier = 1;
    let i = pos + 1;
    let complete = false;
    for (let n = 0; n < 4 && i < buf.length; n++, i++) {
      const byte = buf[i];
      remaining += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      if ((byte & 0x80) === 0) {
        complete = true;
        i++;
        break;
      }
    }
    if (!complete) {
      if (i - pos - 1 >= 4) {
        sink.onBadLength();
        return;
      }
      stash(sink, buf, pos); // header not fully arrived yet
      return;
    }
    const total = i - pos + remaining;
    if (total > maxPacketSize) {
      sink.onOversize(total);
      return;
    }
    if (buf.length - pos >= total) {
      // A read that is exactly one packet (the usual case under light load) is the frame itself.
      const frame = pos === 0 && total === buf.length ? buf : buf.subarray(pos, pos + total);
      pos += total;
      sink.onFrame(frame);
    } else {
      const partial = Buffer.allocUnsafe(total);
      buf.copy(partial, 0, pos);
      sink.framePending = partial;
      sink.framePendingFill = buf.length - pos;
      return;
    }
  }
}

function stash(sink: FrameSink, buf: Buffer, pos: number): void {
  if (pos >= buf.length) return;
  // Copy: a few header bytes must not pin a whole 64 KB read buffer.
  sink.framePending = Buffer.from(buf.subarray(pos));
  sink.framePendingFill = -1;
}
