/**
 * The stored shapes the adapters work with, re-exported so that a chat adapter needs nothing from
 * src/db/: it reads and writes through the request layer only.
 */
export type { Generation, GenerationStatus } from '../db/generations.ts';
export type { Platform, User, UserIdentity } from '../db/users.ts';
export type { Outreach, FollowUpState } from '../db/outreach.ts';
