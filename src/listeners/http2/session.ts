import type { Duplex } from 'node:stream';
import { FrameReader } from '../../h2/frame-reader.js';
import {
  FLAG,
  FRAME,
  dataFrame,
  goawayFrame,
  headersBlockFragment,
  headersFrames,
  pingFrame,
  rstStreamFrame,
  settingsAckFrame,
  settingsFrame,
  windowUpdateFrame,
  type ErrorCodeName,
  type Frame,
  type SettingName,
} from '../../h2/frames.js';
import { HeaderDecoder, HeaderEncoder, type HeaderField } from '../../h2/hpack.js';
import { headTimeoutDetail, type ListenerCaps } from '../caps.js';
import type { MechanismContext } from '../mechanism.js';

/** A complete request as the session hands it to a fault: its stream and decoded header fields (the body, if any, was read and dropped). */
export interface H2Request {
  streamId: number;
  fields: HeaderField[];
}

/**
 * One HTTP/2 fault: how the server behaves on a connection. Everything not said here is a correct server's
 * behaviour (RFC 9113): SETTINGS first, client SETTINGS acknowledged, PINGs answered.
 */
export interface H2Fault {
  /** The server's SETTINGS (§3.4: its connection preface); `null` sends none. Default: MAX_CONCURRENT_STREAMS 100. */
  settings?: Partial<Record<SettingName, number>> | null;
  /** false: never acknowledges the client's SETTINGS (§6.5.3). */
  ackSettings?: boolean;
  /** false: never answers a PING (§6.7). */
  answerPing?: boolean;
  /** false: never sends WINDOW_UPDATE for request body bytes received (§6.9), so a client's window only shrinks. */
  windowUpdates?: boolean;
  /** Called once the client preface and the server's SETTINGS are through (e.g. to send GOAWAY at once). */
  onOpen?(session: H2Session): void;
  /** Called for each complete request head; the fault answers (or does not). */
  onRequest(session: H2Session, request: H2Request): void;
}

/** Most streams a client may open at once on one connection (announced as SETTINGS_MAX_CONCURRENT_STREAMS). */
const MAX_STREAMS = 100;

/**
 * Bytes of our own output waiting to be sent past which the session reads no further frames until it drains: a
 * client that floods requests without reading their answers (or is gone) costs the farm no more work than this.
 */
const WRITE_BACKLOG_BYTES = 256 * 1024;

/**
 * The server side of one HTTP/2 connection on a connected socket (plain or TLS, after ALPN): frames read with the
 * bounded FrameReader, header blocks (HEADERS + CONTINUATION) joined up to `caps.maxHeaderBytes` and decoded, then
 * handed to the fault. A malformed preface, frame or header block ends the connection with GOAWAY (PROTOCOL_ERROR,
 * FRAME_SIZE_ERROR or COMPRESSION_ERROR, RFC 9113 §5.4.1) and a `fault` event; nothing a client sends throws.
 * A connection without a complete request head `caps.headTimeoutMs` after it opened or after the last request is
 * closed (`--head-timeout-ms`).
 */
export class H2Session {
  readonly encoder = new HeaderEncoder();
  private readonly decoder = new HeaderDecoder();
  private readonly reader = new FrameReader({ expectPreface: true });
  private block: { streamId: number; endStream: boolean; trailers: boolean; fragments: Buffer[]; bytes: number } | null = null;
  /** Requests whose body is still coming, by stream id (at most MAX_STREAMS). */
  private readonly pending = new Map<number, H2Request>();
  private lastStreamId = 0;
  /** Frames read but not yet handled, while our output drains (WRITE_BACKLOG_BYTES). */
  private frames: Frame[] = [];
  private opened = false;
  private closed = false;
  private idle: NodeJS.Timeout | undefined;
  private idleClose: NodeJS.Timeout | undefined;

  constructor(
    readonly socket: Duplex,
    private readonly fault: H2Fault,
    readonly context: Pick<MechanismContext, 'id' | 'emit'> & {
      caps: Pick<ListenerCaps, 'headTimeoutMs' | 'maxHeaderBytes' | 'maxHeaders'>;
    },
  ) {
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.stopIdle());
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.armIdle();
  }

  /** Writes raw bytes (frames) unless the connection is gone. */
  write(bytes: Buffer): void {
    if (!this.closed && this.socket.writable) this.socket.write(bytes);
  }

  /** Reports a `fault` event naming what the listener did. */
  report(detail: string): void {
    this.context.emit({ type: 'fault', detail });
  }

  /** Sends HEADERS (HPACK-encoded `fields`, CONTINUATION past 16,384 bytes), END_STREAM when `endStream`. */
  headers(streamId: number, fields: HeaderField[], endStream: boolean): void {
    this.write(headersFrames(streamId, this.encoder.encode(fields), endStream));
  }

  /** Sends response HEADERS and, unless `body` is null, the body in one DATA frame that ends the stream. */
  respond(streamId: number, fields: HeaderField[], body: Buffer | null): void {
    this.headers(streamId, fields, body === null);
    if (body !== null) this.write(dataFrame(streamId, body, true));
    this.armIdle();
  }

  /** Sends GOAWAY (last stream id: the highest the client opened) and ends the connection after it. */
  goaway(code: ErrorCodeName, debug = ''): void {
    this.write(goawayFrame(this.lastStreamId, code, debug));
    this.end();
  }

  /** Closes our side after what was written (TLS close_notify, then FIN). */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopIdle();
    this.socket.end();
  }

  private armIdle(): void {
    this.stopIdle();
    const ms = this.context.caps.headTimeoutMs;
    this.idle = setTimeout(() => {
      this.report(headTimeoutDetail(ms));
      this.socket.destroy();
    }, ms);
    this.idle.unref();
  }

  private stopIdle(): void {
    clearTimeout(this.idle);
    clearTimeout(this.idleClose);
  }

  /**
   * Ends the connection without GOAWAY once `ms` pass without a new request (each request clears it), calling
   * `onClose` first.
   */
  closeWhenIdle(ms: number, onClose: () => void): void {
    clearTimeout(this.idleClose);
    this.idleClose = setTimeout(() => {
      onClose();
      this.end();
    }, ms);
    this.idleClose.unref();
  }

  private receive(chunk: Buffer): void {
    if (this.closed || this.socket.destroyed) return;
    const result = this.reader.push(chunk);
    if (!result.ok) {
      this.report(`client sent ${result.detail}: GOAWAY ${result.error === 'preface' ? 'PROTOCOL_ERROR' : 'FRAME_SIZE_ERROR'}`);
      return this.goaway(result.error === 'preface' ? 'PROTOCOL_ERROR' : 'FRAME_SIZE_ERROR');
    }
    if (!this.opened) {
      this.opened = true;
      if (this.fault.settings !== null) this.write(settingsFrame(this.fault.settings ?? { MAX_CONCURRENT_STREAMS: MAX_STREAMS }));
      this.fault.onOpen?.(this);
    }
    this.frames.push(...result.frames);
    this.handleFrames();
  }

  /** Handles read frames in order while the socket can take our answers; pauses reading when it cannot. */
  private handleFrames(): void {
    while (this.frames.length) {
      if (this.closed || this.socket.destroyed || !this.socket.writable) {
        this.frames = [];
        return;
      }
      if (this.socket.writableLength > WRITE_BACKLOG_BYTES) {
        this.socket.pause();
        this.socket.once('drain', () => {
          this.socket.resume();
          this.handleFrames();
        });
        return;
      }
      this.onFrame(this.frames.shift()!);
    }
  }

  private protocolError(detail: string, code: ErrorCodeName = 'PROTOCOL_ERROR'): void {
    this.report(`client sent ${detail}: GOAWAY ${code}`);
    this.goaway(code);
  }

  private onFrame(frame: Frame): void {
    if (this.block && frame.type !== FRAME.CONTINUATION) return this.protocolError('a frame inside a header block');
    switch (frame.type) {
      case FRAME.SETTINGS:
        if (frame.streamId !== 0 || (frame.flags & FLAG.ACK ? frame.length !== 0 : frame.length % 6 !== 0))
          return this.protocolError('a malformed SETTINGS frame', 'FRAME_SIZE_ERROR');
        if (!(frame.flags & FLAG.ACK) && this.fault.ackSettings !== false) this.write(settingsAckFrame());
        return;
      case FRAME.PING:
        if (frame.streamId !== 0 || frame.length !== 8) return this.protocolError('a malformed PING frame', 'FRAME_SIZE_ERROR');
        if (!(frame.flags & FLAG.ACK) && this.fault.answerPing !== false) this.write(pingFrame(frame.payload, true));
        return;
      case FRAME.HEADERS:
        return this.onHeaders(frame);
      case FRAME.CONTINUATION:
        return this.onContinuation(frame);
      case FRAME.GOAWAY:
        return this.end();
      case FRAME.DATA:
        return this.onData(frame);
      case FRAME.RST_STREAM:
        return void this.pending.delete(frame.streamId);
      default:
        // WINDOW_UPDATE, PRIORITY, unknown types (§5.5).
        return;
    }
  }

  /**
   * Request body bytes are dropped and given back to the client's windows (connection and stream) at once; the
   * request goes to the fault when its body ends.
   */
  private onData(frame: Frame): void {
    if (frame.length > 0 && this.fault.windowUpdates !== false) {
      this.write(
        Buffer.concat([windowUpdateFrame(0, frame.length), ...(frame.streamId ? [windowUpdateFrame(frame.streamId, frame.length)] : [])]),
      );
    }
    if (frame.flags & FLAG.END_STREAM) this.deliver(frame.streamId);
  }

  private deliver(streamId: number): void {
    const request = this.pending.get(streamId);
    if (!request) return;
    this.pending.delete(streamId);
    this.fault.onRequest(this, request);
  }

  private onHeaders(frame: Frame): void {
    const fragment = headersBlockFragment(frame.flags, frame.payload);
    if (!fragment) return this.protocolError('HEADERS with bad padding');
    const trailers = this.pending.has(frame.streamId);
    if (!trailers && (frame.streamId === 0 || frame.streamId % 2 === 0 || frame.streamId <= this.lastStreamId))
      return this.protocolError(`HEADERS on stream ${frame.streamId}`);
    if (!trailers) this.lastStreamId = frame.streamId;
    this.block = { streamId: frame.streamId, endStream: Boolean(frame.flags & FLAG.END_STREAM), trailers, fragments: [], bytes: 0 };
    this.addFragment(fragment, frame.flags);
  }

  private onContinuation(frame: Frame): void {
    if (!this.block || frame.streamId !== this.block.streamId) return this.protocolError('CONTINUATION outside a header block');
    this.addFragment(frame.payload, frame.flags);
  }

  private addFragment(fragment: Buffer, flags: number): void {
    const block = this.block!;
    const { maxHeaderBytes, maxHeaders } = this.context.caps;
    block.bytes += fragment.length;
    if (block.bytes > maxHeaderBytes) {
      this.report(`cap: request header block larger than ${maxHeaderBytes} bytes, GOAWAY ENHANCE_YOUR_CALM (--max-header-bytes)`);
      return this.goaway('ENHANCE_YOUR_CALM');
    }
    block.fragments.push(fragment);
    if (!(flags & FLAG.END_HEADERS)) return;
    this.block = null;
    const decoded = this.decoder.decode(Buffer.concat(block.fragments));
    if (!decoded.ok) return this.protocolError(`a header block that does not decode (${decoded.error})`, 'COMPRESSION_ERROR');
    if (decoded.fields.length > maxHeaders) {
      this.report(`cap: more than ${maxHeaders} header fields, GOAWAY ENHANCE_YOUR_CALM (--max-headers)`);
      return this.goaway('ENHANCE_YOUR_CALM');
    }
    if (block.trailers) return block.endStream ? this.deliver(block.streamId) : undefined;
    this.stopIdle();
    const method = decoded.fields.find((f) => f.name === ':method')?.value ?? '?';
    const path = decoded.fields.find((f) => f.name === ':path')?.value ?? '?';
    this.context.emit({ type: 'request', detail: `${method} ${path}` });
    const request = { streamId: block.streamId, fields: decoded.fields };
    if (block.endStream) return this.fault.onRequest(this, request);
    if (this.pending.size >= MAX_STREAMS) {
      this.report(`stream ${block.streamId} past ${MAX_STREAMS} open streams: RST_STREAM REFUSED_STREAM`);
      return this.write(rstStreamFrame(block.streamId, 'REFUSED_STREAM'));
    }
    this.pending.set(block.streamId, request);
  }
}
