// The approval channel's test double: it records what the owner would have been sent. Channels
// are our own seam (Signal, Mattermost and the console implement the same interface).
import type {
  ApprovalChannel,
  OutgoingMessage,
  SentMessage,
} from '../../src/approve/channel.js';

export class RecordingChannel implements ApprovalChannel {
  readonly messages: OutgoingMessage[] = [];

  constructor(readonly name = 'test') {}

  send(message: OutgoingMessage): Promise<SentMessage> {
    this.messages.push(message);
    return Promise.resolve({ externalId: `${this.name}-${this.messages.length}` });
  }

  kinds(): string[] {
    return this.messages.map((m) => m.kind);
  }

  last(kind: OutgoingMessage['kind']): OutgoingMessage | undefined {
    return this.messages.filter((m) => m.kind === kind).at(-1);
  }
}
