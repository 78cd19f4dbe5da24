import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MAPPING_INPUT } from '../../functions/sync/default-mapping';
import { guardPipedriveConformance } from '../helpers/pipedrive-conformance-guard';
import { startCliStack } from './cli-stack';
import { untilWithin } from '../helpers/until';

guardPipedriveConformance();

type Started = Awaited<ReturnType<typeof startCliStack>>;

const until = untilWithin(60_000, 50);

interface PlanJson {
  organizationsChanged: number;
  fieldsToCreate: string[];
  fieldChanges: Record<string, number>;
  tokens: number;
  planTokens: number;
  budget: { dailyShare: number; days: number };
}
interface AppliedJson {
  plan: PlanJson;
  version: number;
  enqueued: number;
}

/** The document of README's first example: the default one and the website in a custom field. */
const WITH_WEBSITE = {
  ...DEFAULT_MAPPING_INPUT,
  organization: {
    fields: {
      ...DEFAULT_MAPPING_INPUT.organization.fields,
      website: { custom: { name: 'Website', type: 'varchar' }, from: 'WebAddr.URI' },
    },
  },
};

describe('a mapping change on the local stack', () => {
  let running: Started;
  let file: string;
  beforeAll(async () => {
    running = await startCliStack(12);
    await running.stack.connect();
    const backfill = await running.cli('backfill', '--wait-seconds', '90');
    if (backfill.code !== 0) throw new Error(`backfill failed: ${backfill.err}`);
    file = join(mkdtempSync(join(tmpdir(), 'ml-connector-mapping-')), 'mapping.json');
    writeFileSync(file, JSON.stringify(WITH_WEBSITE));
  }, 150_000);
  afterAll(() => running.stack.close());

  /** Every token the sandbox charged so far. */
  const spent = () => Object.values(running.stack.pipedrive.budget.ledger()).reduce((sum, day) => sum + day, 0);
  /** The queues are empty and nothing is in flight. */
  const drained = async () => {
    const status = await running.cli('status', '--json');
    const parsed = JSON.parse(status.out) as { queues: { visible: number; inFlight: number }[] };
    return parsed.queues.every((queue) => queue.visible === 0 && queue.inFlight === 0);
  };
  const organizationsWithWebsite = () => {
    const field = running.stack.pipedrive.store.fields.find(
      (f) => f.entity === 'organization' && f.field_name === 'Website',
    );
    if (!field) return 0;
    return [...running.stack.pipedrive.store.organizations.values()].filter(
      (org) => !org.is_deleted && typeof org.custom_fields[field.field_code] === 'string',
    ).length;
  };

  it('plans, applies with the planned spend, shows and rolls back', async () => {
    const { cli } = running;
    const planned = await cli('mapping', 'plan', file, '--json');
    expect(planned.code).toBe(0);
    const plan = JSON.parse(planned.out) as PlanJson;
    expect(plan.fieldsToCreate).toEqual(['organization.website']);
    expect(plan.organizationsChanged).toBeGreaterThan(0);
    expect(plan.fieldChanges).toEqual({ 'organization.website': plan.organizationsChanged });
    // One PATCH a changed organization, one field listing and one field created (the specs' costs).
    expect(plan.tokens).toBe(plan.organizationsChanged * 5 + 10 + 5);
    expect(plan.budget.dailyShare).toBe(30_000);
    const csv = [...planned.files.values()][0] ?? '';
    expect(csv.trimEnd().split('\n')).toHaveLength(plan.organizationsChanged + 1);

    const before = spent();
    const applied = await cli('mapping', 'apply', file, '--json');
    expect(applied.code).toBe(0);
    const apply = JSON.parse(applied.out) as AppliedJson;
    expect(apply).toMatchObject({ version: 2, enqueued: plan.organizationsChanged });
    expect(apply.plan.tokens).toBe(plan.tokens);
    await until(
      async () => organizationsWithWebsite() === plan.organizationsChanged && (await drained()),
      'the apply to drain',
    );
    // What the apply spent besides its own plan's reads is what the plan said.
    expect(spent() - before - apply.plan.planTokens).toBe(plan.tokens);

    const shown = await cli('mapping', 'show', '--json');
    const versions = (JSON.parse(shown.out) as { versions: { version: number; current: boolean }[] }).versions;
    expect(versions.map((v) => [v.version, v.current])).toEqual([
      [1, false],
      [2, true],
    ]);

    const beforeRollback = spent();
    const rolledBack = await cli('mapping', 'rollback', '--json');
    expect(rolledBack.code).toBe(0);
    const rollback = JSON.parse(rolledBack.out) as AppliedJson;
    // Back to the default: the same organizations are written once more, and no field is created.
    expect(rollback).toMatchObject({ version: 1, enqueued: plan.organizationsChanged });
    expect(rollback.plan.fieldsToCreate).toEqual([]);
    expect(rollback.plan.tokens).toBe(plan.organizationsChanged * 5);
    await until(
      async () => spent() - beforeRollback - rollback.plan.planTokens >= rollback.plan.tokens && (await drained()),
      'the rollback to drain',
    );
    expect(spent() - beforeRollback - rollback.plan.planTokens).toBe(rollback.plan.tokens);
    // Planning the website again counts the same organizations, and creates no field: its key is kept.
    const again = JSON.parse((await cli('mapping', 'plan', file, '--json')).out) as PlanJson;
    expect(again.organizationsChanged).toBe(plan.organizationsChanged);
    expect(again.fieldsToCreate).toEqual([]);
    expect(again.tokens).toBe(plan.organizationsChanged * 5);
  }, 150_000);

  it('judges a hand edit by the connection’s mapping in the Pipedrive-side reconcile: a mapped custom field is rewritten', async () => {
    const { cli, stack } = running;
    const applied = await cli('mapping', 'apply', file, '--json');
    expect(applied.code).toBe(0);
    const changed = (JSON.parse(applied.out) as AppliedJson).plan.organizationsChanged;
    await until(async () => organizationsWithWebsite() === changed && (await drained()), 'the apply to drain');
    const field = stack.pipedrive.store.fields.find((f) => f.entity === 'organization' && f.field_name === 'Website');
    const org = [...stack.pipedrive.store.organizations.values()].find(
      (o) => !o.is_deleted && typeof o.custom_fields[field?.field_code ?? ''] === 'string',
    );
    if (!field || !org) throw new Error('no organization carries the website');
    const website = org.custom_fields[field.field_code];
    // A rep overwrites the website, a field only the stored mapping (not the default) owns.
    const edit = await fetch(`${stack.pipedrive.describe().apiBaseUrl}/api/v2/organizations/${org.id}`, {
      method: 'PATCH',
      headers: { 'x-api-token': stack.pipedrive.describe().apiToken, 'content-type': 'application/json' },
      body: JSON.stringify({ custom_fields: { [field.field_code]: 'https://rep.example' } }),
    });
    expect(edit.status).toBe(200);
    const reconciled = await cli('reconcile', '--pipedrive', '--json');
    expect(reconciled.code).toBe(0);
    await until(
      async () =>
        stack.pipedrive.store.organization(org.id)?.custom_fields[field.field_code] === website && (await drained()),
      'the website rewritten',
    );
    expect((await cli('mapping', 'rollback', '--json')).code).toBe(0);
    await until(drained, 'the rollback to drain');
  }, 150_000);

  it('refuses a document that does not validate, writes a field it does not own or names no user, one line each', async () => {
    const { cli, stack } = running;
    const bad = join(mkdtempSync(join(tmpdir(), 'ml-connector-mapping-')), 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        ...DEFAULT_MAPPING_INPUT,
        organization: {
          fields: { ...DEFAULT_MAPPING_INPUT.organization.fields, website: { from: 'WebAddr.URL' } },
          onCreate: { owner_id: 99 },
        },
      }),
    );
    const invalid = await cli('mapping', 'plan', bad);
    expect(invalid.code).toBe(1);
    expect(invalid.err).toContain('organization.fields.website');
    writeFileSync(
      bad,
      JSON.stringify({
        ...DEFAULT_MAPPING_INPUT,
        organization: { ...DEFAULT_MAPPING_INPUT.organization, onCreate: { owner_id: 99 } },
      }),
    );
    const owner = await cli('mapping', 'plan', bad);
    expect(owner.code).toBe(1);
    expect(owner.err).toContain('organization.onCreate.owner_id: 99 is not an active Pipedrive user');

    // A field someone made by hand in Pipedrive is not the connector's to write.
    const made = await fetch(`${stack.pipedrive.describe().apiBaseUrl}/api/v2/organizationFields`, {
      method: 'POST',
      headers: { 'x-api-token': stack.pipedrive.describe().apiToken, 'content-type': 'application/json' },
      body: JSON.stringify({ field_name: 'Hand-made', field_type: 'varchar' }),
    });
    expect(made.status).toBe(200);
    writeFileSync(
      bad,
      JSON.stringify({
        ...DEFAULT_MAPPING_INPUT,
        organization: {
          fields: {
            ...DEFAULT_MAPPING_INPUT.organization.fields,
            handMade: { custom: { name: 'Hand-made', type: 'varchar' }, from: 'WebAddr.URI' },
          },
        },
      }),
    );
    const notOwned = await cli('mapping', 'apply', bad);
    expect(notOwned.code).toBe(1);
    expect(notOwned.err).toContain(
      'organization.fields.handMade.custom.name: the Pipedrive field "Hand-made" exists and the connector does not own it',
    );
  }, 60_000);
});
