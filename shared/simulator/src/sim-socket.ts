// The server side of a simulated WebSocket connection (Home Assistant, Mattermost, Plex events).
// Why: handlers should speak in messages (objects in, objects out) and never see the `ws` API,
// and the upstream needs hooks on every message for contract checks and `ws-close` faults.

import type { IncomingHttpHeaders } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import type { SimSocket } from './types.js';

export interface SocketHooks {
  /** Called for every client message before delivery; return false to swallow it (e.g. the socket was closed by a fault). */
  beforeDeliver(connection: SimSocketConnection, message: unknown): boolean;
  /** Called for every message the handler sends. */
  beforeSend(connection: SimSocketConnection, message: unknown): void;
  onClosed(connection: SimSocketConnection): void;
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function parseMessage(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export class SimSocketConnection implements SimSocket {
  private isClosed = false;
  private readonly messageListeners: Array<(message: unknown) => void> = [];
  private readonly closeListeners: Array<(code: number) => void> = [];
  /** Messages that arrived before the handler registered a listener. */
  private readonly undelivered: unknown[] = [];

  constructor(
    private readonly socket: WebSocket,
    readonly request: { path: string; query: URLSearchParams; headers: IncomingHttpHeaders },
    private readonly hooks: SocketHooks,
  ) {
    socket.on('message', (data) => {
      const message = parseMessage(rawText(data));
      if (this.isClosed || !this.hooks.beforeDeliver(this, message)) return;
      if (this.messageListeners.length === 0) this.undelivered.push(message);
      for (const listener of this.messageListeners) listener(message);
    });
    socket.on('close', (code) => {
      this.isClosed = true;
      this.hooks.onClosed(this);
      for (const listener of this.closeListeners) listener(code);
    });
    socket.on('error', () => {
      this.isClosed = true;
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  send(message: unknown): void {
    if (this.isClosed) return;
    this.hooks.beforeSend(this, message);
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  onMessage(listener: (message: unknown) => void): void {
    this.messageListeners.push(listener);
    for (const message of this.undelivered.splice(0)) listener(message);
  }

  onClose(listener: (code: number) => void): void {
    this.closeListeners.push(listener);
  }

  close(code = 1000): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.socket.close(code);
  }

  /** Fault-driven disconnect: a close frame with `code`, or an abrupt TCP close (client sees 1006) without one. */
  disconnect(code: number | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    if (code === undefined) this.socket.terminate();
    else this.socket.close(code);
  }

  /** Immediate teardown when the upstream closes. */
  terminate(): void {
    this.isClosed = true;
    this.socket.terminate();
  }
}
