// The approval channel's test double: it records what the owner would have been sent. Channels
// are our own seam (Signal, Mattermost and the console implement the same interface).
import type {
  ApprovalChannel,
  DecidedAbout,
  OutgoingMessage,
  SentMessage,
} from '../../src/approve/channel.js';

/** Ids unique across instances, as a real channel's are (a Signal timestamp, a post id). */
let sequence = 0;

export class RecordingChannel implements ApprovalChannel {
  readonly messages: OutgoingMessage[] = [];
  /** The id given to each message, in the same order. */
  readonly ids: string[] = [];
  /** What decided() was told: the proposal, the outcome, and which of our ids it would edit. */
  readonly decisions: Array<DecidedAbout & { text: string; sent: readonly string[] }> = [];

  constructor(readonly name = 'test') {}

  send(message: OutgoingMessage): Promise<SentMessage> {
    sequence += 1;
    const externalId = `${this.name}-${sequence}`;
    this.messages.push(message);
    this.ids.push(externalId);
    return Promise.resolve({ externalId });
  }

  decided(about: DecidedAbout, text: string, sent: readonly string[]): Promise<void> {
    this.decisions.push({ ...about, text, sent });
    return Promise.resolve();
  }

  /** The id this channel gave the last message of a kind (what a quote or thread reply names). */
  idOf(kind: OutgoingMessage['kind']): string {
    const id = this.ids[this.messages.map((m) => m.kind).lastIndexOf(kind)];
    if (id === undefined) throw new Error(`no ${kind} message was sent`);
    return id;
  }

  kinds(): string[] {
    return this.messages.map((m) => m.kind);
  }

  last(kind: OutgoingMessage['kind']): OutgoingMessage | undefined {
    return this.messages.filter((m) => m.kind === kind).at(-1);
  }
}
