// The one interface every way of reaching the owner implements (Signal, Mattermost, the web
// console, the log), so the gate and the inbox never know which one they talk to. Outgoing: the
// seed's messages, each with the buttons a channel may show. Incoming: a person's reply as plain
// text plus whatever the channel knows for certain about what it answers (a quoted message, a
// reaction's target, a thread root, a verified button); the inbox reads it with the one grammar.

/** A button a channel may show under a message; pressing it is the same as replying `command`. */
export interface MessageAction {
  label: string;
  command: string;
}

export interface OutgoingMessage {
  kind:
    | 'issue_detected'
    | 'question'
    | 'solutions'
    | 'complete'
    | 'notice'
    | 'answer'
    | 'reminder'
    | 'reply';
  text: string;
  proposalId?: number;
  incidentId?: number;
  /** Buttons for channels that have them (Mattermost, the console); the text always says the same. */
  actions?: MessageAction[];
  /** For a reply: the channel's id of the message it answers (quote it, or reply in its thread). */
  inReplyTo?: string;
}

/** What a channel says it sent: its own id for the message (Signal timestamp, Mattermost post id). */
export interface SentMessage {
  externalId: string;
}

/** A person's message to the agent, as a channel received it. */
export interface IncomingReply {
  /** The channel's name (`signal`, `mattermost`, `console`). */
  channel: string;
  /** Who sent it, as the allow-list names them (a phone number, a Mattermost user id, a console user). */
  sender: string;
  /** The text, or what a button or reaction stands for ("1", "approve", "ignore", "snooze 1h"). */
  text: string;
  /** The channel's id of this message; a message seen twice is handled once. */
  messageId?: string;
  /** The channel's id of the agent's message this answers (quote, reaction target, thread root). */
  replyTo?: string;
  /** Set only when the channel has verified it (a signed button, the console's form). */
  proposalId?: number;
  /** The incident whose "Is this a problem?" this answers, when the channel has verified it. */
  incidentId?: number;
}

/** What the inbox made of a reply; `text` is what to tell the sender (none for strangers). */
export interface ReplyOutcome {
  outcome: 'done' | 'refused' | 'ignored' | 'help';
  text?: string;
  proposalId?: number;
}

/** What a decision concerns: a proposal, or the "Is this a problem?" of an incident. */
export type DecidedAbout = { proposalId: number } | { incidentId: number };

export type ReplyHandler = (reply: IncomingReply) => Promise<ReplyOutcome>;

export interface ApprovalChannel {
  readonly name: string;
  /** Delivers a message; returns the channel's id for it when it has one. Throws on failure. */
  send(message: OutgoingMessage): Promise<SentMessage | undefined>;
  /**
   * A proposal was decided (or expired), or a question answered: a channel that can edit what it
   * sent shows the outcome there and removes the buttons. `sent` are this channel's ids for the
   * messages concerned.
   */
  decided?(about: DecidedAbout, text: string, sent: readonly string[]): Promise<void>;
  /** Starts receiving replies (a WebSocket, polling); each goes to `handler`. */
  start?(handler: ReplyHandler): Promise<void>;
  close?(): Promise<void>;
}
