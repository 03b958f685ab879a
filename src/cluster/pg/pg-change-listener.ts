// Hears other brokers' metadata changes as they commit: one dedicated connection LISTENs on
// the channel migrations 7 and 8's triggers notify (the payload is the changed table), so a topic
// created, a config altered or an ACL added on one broker reaches the others in
// milliseconds instead of at their next poll. Polling stays the safety net: this is a
// shortcut, and when the connection breaks (PostgreSQL restarted) it reconnects with a
// growing pause and reports `*`, since notifications sent meanwhile are lost.
import pg from 'pg';

export const METADATA_CHANNEL = 'strata_metadata';

/** What changed: a table name (topics, leases, acls, scram_credentials, client_quotas), or `*` after a reconnect. */
export type MetadataChange = string;

const FIRST_RETRY_MS = 200;
const MAX_RETRY_MS = 5_000;

export class PgChangeListener {
  private client: pg.Client | undefined;
  private closed = false;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private connectedOnce = false;

  constructor(
    private readonly connectionString: string,
    private readonly onChange: (change: MetadataChange) => void,
    private readonly onTrouble: (err: unknown) => void = () => undefined,
  ) {}

  /** Connects and listens; resolves once listening (or after the first failure, retrying in the background). */
  async start(): Promise<void> {
    await this.connect();
  }

  /** Whether the connection is up and listening now. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.connectionString });
    // Broken after connecting (a restart, the network): drop it and try again.
    const lost = (err?: unknown): void => {
      if (this.client !== client) return;
      this.client = undefined;
      if (err !== undefined) this.onTrouble(err);
      client.end().catch(() => undefined);
      this.retry();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (msg) => {
      if (msg.channel === METADATA_CHANNEL) this.onChange(msg.payload ?? '*');
    });
    try {
      await client.connect();
      await client.query(`listen ${METADATA_CHANNEL}`);
    } catch (err) {
      client.removeAllListeners('end');
      client.end().catch(() => undefined);
      this.onTrouble(err);
      this.retry();
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = FIRST_RETRY_MS;
    // Changes made while nobody listened were not heard: the owner re-reads everything.
    if (this.connectedOnce) this.onChange('*');
    this.connectedOnce = true;
  }

  private retry(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
