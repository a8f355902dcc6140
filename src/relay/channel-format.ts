// The CXone channel's contentFormat (html or plain), read in the background: whether agent text arrives as HTML.
import { CxoneClient, type CxoneClientOptions } from "../cxone/client";
import type { CxoneConnection } from "../cxone/config";

/**
 * The `contentFormat` (`html` | `plain`) of the relay's CXone channel, which says whether agent text arrives as HTML
 * (ChannelV2 in NiCE's OpenAPI). A BYOC callback does not carry it, so the relay reads the channel list now and then,
 * in the background: a message never waits for it, and while it is unknown agent-content.ts recognises HTML by its
 * tags.
 */
export class ChannelFormat {
  private format?: "html" | "plain";
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private pending?: Promise<void>;

  constructor(
    private readonly connection: CxoneConnection,
    private readonly refreshMs = 10 * 60_000,
    private readonly onError: (err: unknown) => void = () => {},
    /** The relay's token cache and sockets. */
    private readonly clientOptions: CxoneClientOptions = {},
  ) {}

  /** The known format (undefined until the first read succeeds); starts a refresh when the value is old. */
  current(): "html" | "plain" | undefined {
    if (Date.now() - this.fetchedAt > this.refreshMs) void this.refresh();
    return this.format;
  }

  /** Reads the channel list once (concurrent callers share the read); failures keep the last value. */
  refresh(): Promise<void> {
    this.pending ??= (async () => {
      try {
        const channels = await new CxoneClient(this.connection, {
          ...this.clientOptions,
          deadlineMs: 10_000,
        }).listChannels();
        const channel = channels.find((c) => c.id === this.connection.channelId);
        this.format = channel?.contentFormat;
      } catch (err) {
        this.onError(err);
      } finally {
        this.fetchedAt = Date.now();
        this.pending = undefined;
      }
    })();
    return this.pending;
  }
}
