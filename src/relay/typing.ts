// The agent's typing indicator in the user's client, cleared by the relay since CXone promises no "stopped typing".
import type { AgentTypingEvent } from "../handover/events";

/**
 * The agent's typing indicator as the user's client sees it, clearing itself: CXone promises no "stopped typing"
 * (research-15-16 §8), so a shown indicator goes away on the agent's stop signal, on the agent's next message (as
 * Webchat clears its dots on every output, the client treats any agent message as "stopped"; nothing is sent), or
 * `clearAfterMs` after the last "typing" signal. Per relay process: another relay that receives the stop still sends it.
 */
export class AgentTyping {
  /** Conversations whose indicator is shown, with the timer that clears it. */
  private readonly shown = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly o: {
      clearAfterMs: number;
      /** Best effort (a typing indicator is worth no retry); must not throw. */
      send: (conversation: string, event: AgentTypingEvent) => Promise<void>;
    },
  ) {}

  async signal(conversation: string, typing: boolean): Promise<void> {
    const timer = this.shown.get(conversation);
    if (timer) clearTimeout(timer);
    if (typing) {
      const clear = setTimeout(() => {
        this.shown.delete(conversation);
        void this.o.send(conversation, { event: "agentTyping", typing: false });
      }, this.o.clearAfterMs);
      clear.unref();
      this.shown.set(conversation, clear);
      // Repeated "typing" signals only push the clearing back; the client was told once.
      if (!timer) await this.o.send(conversation, { event: "agentTyping", typing: true });
      return;
    }
    this.shown.delete(conversation);
    await this.o.send(conversation, { event: "agentTyping", typing: false });
  }

  /** The agent's message arrived: the client already counts it as the end of typing. */
  messageArrived(conversation: string): void {
    const timer = this.shown.get(conversation);
    if (timer) clearTimeout(timer);
    this.shown.delete(conversation);
  }

  /** How many indicators are shown now (tests, metrics). */
  get size(): number {
    return this.shown.size;
  }

  stop(): void {
    for (const timer of this.shown.values()) clearTimeout(timer);
    this.shown.clear();
  }
}
