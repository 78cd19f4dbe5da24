import * as z from '../shared/zod-mini';

/** `review`: the backfill found several candidate organizations; nothing is written until a person decides. */
export const LinkState = z.enum(['pending', 'synced', 'failed', 'excluded', 'review']);
export type LinkState = z.infer<typeof LinkState>;
