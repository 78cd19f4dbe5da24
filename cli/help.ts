export const USAGE = `ml-connector: operate the QuickBooks Online → Pipedrive connector

Usage: ml-connector <command> [options]

Commands:
  connect quickbooks            print (or --open) the link that connects a QuickBooks company
  connect pipedrive             print the Pipedrive OAuth link, or connect with --api-token -|env
  disconnect pipedrive          stop writing into Pipedrive: webhook removed, credential forgotten
  ping                          prove both connections: QBO company, Pipedrive company, plan, budget left
  status                        connections, token health, counts, queues, budget (exit 2 if unhealthy)
  health [--open]               serve the sync-health page on 127.0.0.1 (Ctrl-C to stop)
  backfill [--dry-run]          match QBO customers to Pipedrive organizations and sync them
  reconcile                     compare every QBO customer with what was pushed; queue the differences
  reconcile --pipedrive         compare Pipedrive's organizations with what was pushed (merges, deletions, edits)
  replay --customer ID          push one customer again (every mapped field; --recreate: a new organization)
  replay --since TIME           push every customer QBO changed since TIME (ISO 8601)
  replay --dlq [--list]         move dead-lettered messages back to their queue (--list: only show them)
  audit CUSTOMER_ID             a customer's sync history, newest first
  mapping plan FILE             what a mapping document would change in Pipedrive, and its token cost
  mapping apply FILE            use a mapping document; resync only the customers it changes
  mapping show [--version N]    the mapping versions, and one document (the current by default)
  mapping rollback [--to N]     go back to an earlier mapping version (default: the one before)

Target (default: the local stack started by \`npm start\`):
  --stack NAME                  a deployed stack; its outputs are read with your AWS credentials
  --region REGION               the stack's region (default: your AWS configuration's)
  --realm ID                    the QuickBooks company (needed only when several are connected)

Output:
  --json                        machine-readable output on stdout
  -h, --help                    help (also after a command: ml-connector backfill --help)
`;

export const COMMAND_HELP: Record<string, string> = {
  connect: `Usage: ml-connector connect quickbooks|pipedrive [options]

Prints the link a person opens to authorize the connector. The link is signed, works once and
expires (15 minutes by default), so share it only with the person connecting. Connect QuickBooks
first, then Pipedrive.

Options:
  --open                 also open the link in this machine's browser
  --expires-in MINUTES   how long the link works (default 15)
  --replace              allow the link (or API token) to move an existing connection to another
                         Pipedrive company, or a realm's link to connect another realm (audited, alarmed)
  --api-token -|env      Pipedrive only: connect with a user's API token instead of OAuth, read from
                         stdin ("-") or from $PIPEDRIVE_API_TOKEN ("env"); never on the command line
  --api-domain URL       Pipedrive only, with --api-token: the company origin
                         (default https://api.pipedrive.com; the company's own domain is then used)
  --realm ID             the QuickBooks company Pipedrive is connected to
  -y, --yes              connect even if another QuickBooks company already writes into that
                         Pipedrive company (otherwise it asks, or stops when not at a terminal)
`,
  disconnect: `Usage: ml-connector disconnect pipedrive [--realm ID] [--yes] [--json]

Stops writing into Pipedrive for one QuickBooks company: the organization webhook is deleted in
Pipedrive, the app's grant revoked (OAuth), and the stored credential forgotten. The connection is
paused, not removed: its organizations stay linked and QuickBooks changes wait until
\`ml-connector connect pipedrive\` connects the same company again.

  --realm ID             the QuickBooks company (needed only when several are connected)
  -y, --yes              disconnect without asking (needed in scripts)
`,
  ping: `Usage: ml-connector ping [--realm ID] [--json]

Calls QuickBooks (CompanyInfo) and Pipedrive (users/me, 2 tokens) with the stored credentials and
prints the company names, the Pipedrive plan and seats, and the connector's token budget left today.
Without --realm it checks every connection, and shows each Pipedrive company's budget once, with
each QuickBooks company's part of today's spend. Exit 0 only if every call answers.
`,
  health: `Usage: ml-connector health [--stack NAME --region R] [--open]

Serves the sync-health page on 127.0.0.1 at a free port (printed), for the local stack or a deployed
one, until Ctrl-C: customers by state with filters and paging, failures by category with what to do,
the last successful poll, webhook and reconcile, queues and dead letters, Pipedrive tokens and QBO
calls per day, and this month's QBO calls projected against the CorePlus cap. Each page view is one
invoke of the operations function with your AWS credentials (lambda:InvokeFunction); nothing is
served on another interface.

Options:
  --open                 also open the page in this machine's browser
`,
  status: `Usage: ml-connector status [--json]

Connections and their token health, customers in sync / excluded / failing / pending, parked work,
Pipedrive tokens spent today against the connector's share (once per Pipedrive company, with each
QuickBooks company's part), queue and dead-letter depths, recent
activity. Exit 2 when something needs attention (a connection not active, failing customers, a
non-empty dead-letter queue).
`,
  backfill: `Usage: ml-connector backfill [--dry-run] [options]

Lists the Pipedrive organizations once, matches each QuickBooks customer (QuickBooks ID, unique
name, unique e-mail domain) and prints the match report. Without --dry-run it then links the
matches and queues every customer for sync, and follows the progress.

Options:
  --dry-run              only report; write nothing
  --csv FILE             where to write the match report as CSV (default ml-connector-match-<realm>-<time>.csv;
                         "-" prints the CSV on stdout instead of the table)
  --no-wait              do not follow the sync after queueing
  --wait-seconds N       how long to follow it (default 900)
  --realm ID             the QuickBooks company
`,
  reconcile: `Usage: ml-connector reconcile [--pipedrive] [--realm ID] [--json]

Runs the daily reconcile now: reads every QuickBooks customer (pages of 1,000), compares it with
what was last pushed to Pipedrive and queues the missing, outdated and failed ones. It then
reconciles from the Pipedrive side too.

  --pipedrive            only the Pipedrive side: lists the company's organizations and persons
                         (10 tokens per 500) and compares them with what was pushed. A merged
                         organization is followed, a deleted one excluded, hand edits rewritten,
                         a QuickBooks ID carried twice held for review (see the audit trail).
`,
  replay: `Usage: ml-connector replay --customer ID [--recreate] | --since TIME | --dlq [--list]

  --customer ID          push this customer again, every mapped field (repairs hand edits in Pipedrive)
  --recreate             with --customer: create its organization again when a rep deleted it, or give
                         it its own again when a rep merged it into another customer's (asked at a
                         terminal; without it a script is refused)
  --since TIME           push every customer QuickBooks changed since TIME (e.g. 2026-11-20T08:00:00Z)
  --dlq                  move the dead-lettered messages back to their queue
  --list                 with --dlq: only list them (customer, source, receive count)
  --realm ID             the QuickBooks company
`,
  audit: `Usage: ml-connector audit CUSTOMER_ID [--limit N] [--realm ID] [--json]

A customer's link (organization, person, last pushed version) and its sync history, newest first:
what changed, which fields, the Pipedrive tokens spent, errors.
`,
  mapping: `Usage: ml-connector mapping plan FILE | apply FILE | show [--version N] | rollback [--to N]

What goes where in Pipedrive is a mapping document (README "The mapping document"); each
connection keeps every version it used.

  plan FILE        validate FILE and check it against Pipedrive (fields the connector does not own
                   or that were deleted, the owner); print per field how many organizations and
                   persons change, the custom fields it will create, the Pipedrive tokens it will
                   spend and how many days of the connector's budget share that is. Writes the
                   changing customers to a CSV. Nothing is written to Pipedrive.
  apply FILE       the same plan, then create the fields, store the document as the next version
                   and queue only the changed customers on the bulk queue (within the budget).
  show             the versions (stderr) and the current document (stdout, to edit and plan).
  rollback         make an earlier version current again and resync what it changes back.

Options:
  --csv FILE|-     where plan writes its rows (default ml-connector-mapping-plan-REALM-TIME.csv;
                   - prints the CSV instead of the table)
  --version N      show: that version's document
  --to N           rollback: that version (default: the one before the current)
  --realm ID       the QuickBooks company (needed only when several are connected)
  --json           machine-readable output
`,
};
