import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generate } from 'mqtt-packet';
import { feedFrames, type FrameSink } from './framer';

class Sink implements FrameSink {
  framePending: Buffer | null = null;
  framePendingFill = -1;
  frames: Buffer[] = [];
  oversize = 0;
  badLength = false;
  paused = false;
  acceptsFrames() {
    return !this.paused && !this.badLength && this.oversize === 0;
  }
  onFrame(f: Buffer) {
    this.frames.push(Buffer.from(f));
  }
  onOversize(n: number) {
    this.oversize = n;
  }
  onBadLength() {
    this.badLength = true;
  }
}

const publish = (payloadSize: number) =>
  generate({ cmd: 'publish', topic: 't', payload: Buffer.alloc(payloadSize, 7), qos: 0, dup: false, retain: false });

describe('framer', () => {
  it('splits several packets in one chunk', () => {
    const a = publish(3);
    const b = publish(200);
    const sink = new Sink();
    feedFrames(sink, Buffer.concat([a, b]), 1e6);
    assert.deepEqual(sink.frames, [a, b]);
    assert.equal(sink.framePending, null);
  });

  it('reassembles a packet delivered byte by byte', () => {
    const a = publish(300);
    const sink = new Sink();
    for (const byte of a) feedFrames(sink, Buffer.from([byte]), 1e6);
    assert.deepEqual(sink.frames, [a]);
    assert.equal(sink.framePending, null);
  });

  it('handles a packet split across chunks followed by another', () => {
    const a = publish(1000);
    const b = publish(5);
    const all = Buffer.concat([a, b]);
    const sink = new Sink();
    feedFrames(sink, all.subarray(0, 500), 1e6);
    feedFrames(sink, all.subarray(500, 1003), 1e6);
    feedFrames(sink, all.subarray(1003), 1e6);
    assert.deepEqual(sink.frames, [a, b]);
  });

  it('refuses a declared size over the limit before buffering it', () => {
    const sink = new Sink();
    feedFrames(sink, publish(2000).subarray(0, 10), 1000);
    assert.ok(sink.oversize > 1000);
    assert.equal(sink.framePending, null);
  });

  it('reports a remaining length longer than four bytes', () => {
    const sink = new Sink();
    feedFrames(sink, Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]), 1e9);
    assert.equal(sink.badLength, true);
  });

  it('keeps data while paused and resumes with an empty chunk', () => {
    const a = publish(3);
    const b = publish(4);
    const sink = new Sink();
    sink.paused = true;
    feedFrames(sink, Buffer.concat([a, b]), 1e6);
    assert.equal(sink.frames.length, 0);
    sink.paused = false;
    feedFrames(sink, Buffer.alloc(0), 1e6);
    assert.deepEqual(sink.frames, [a, b]);
  });
});
