/**
 * `/scribe profile` on Slack: a modal with the sender's details, prefilled with the saved ones;
 * its submission saves them (src/requests/profile.ts) and confirms to the person only.
 */
import type { types } from '@slack/bolt';
import { z } from 'zod';
import {
  profileSummary,
  readProfile,
  SENDER_FIELD_NAMES,
  SENDER_FIELDS,
  saveProfile,
  type SenderField,
} from '../../requests/profile.ts';
import type { UserIdentity } from '../../requests/types.ts';
import { BEFORE_ACK_DEADLINE_MS, within } from '../shared/form-prefill.ts';
import { profileSavedText } from '../shared/profile.ts';
import type { SlackBotDeps } from './deps.ts';
import type { ViewAck } from './handlers.ts';
import { input, inputValueOf, type ModalMetadata, metadataOf } from './modal.ts';
import { tellViaResponseUrl } from './port.ts';

/** The profile modal's `callback_id`; its input blocks are named by the profile's fields. */
export const PROFILE_MODAL_ID = 'scribe_profile';

const PLACEHOLDERS: Record<SenderField, string> = {
  name: 'Mary Somerville',
  position: 'PhD student',
  institution: 'University of Edinburgh',
  work: 'I work on the mechanics of the heavens.',
};

/** The profile form, prefilled with what is saved. */
export function renderProfileModal(
  metadata: ModalMetadata,
  saved: Partial<Record<SenderField, string>>,
): types.ModalView {
  return {
    type: 'modal',
    callback_id: PROFILE_MODAL_ID,
    private_metadata: JSON.stringify(metadata),
    title: { type: 'plain_text', text: 'Your sender profile' },
    submit: { type: 'plain_text', text: 'Save' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: 'Fills your own placeholders ([Your Name], [Your University]…) in every email; Scribe never makes them up. Leave a field empty to keep its placeholder.',
          },
        ],
      },
      ...SENDER_FIELD_NAMES.map((field) =>
        input(field, SENDER_FIELDS[field].label, {
          max: SENDER_FIELDS[field].max,
          optional: true,
          placeholder: PLACEHOLDERS[field],
          ...(saved[field] ? { initial: saved[field] } : {}),
        }),
      ),
    ],
  };
}

/** `/scribe profile`: the form, prefilled with the saved profile when it loads in time. */
export async function openProfileModal(
  deps: SlackBotDeps,
  place: ModalMetadata & { triggerId: string },
  user: UserIdentity,
): Promise<string> {
  // The trigger id lasts 3 s: past the deadline the form opens empty rather than late.
  const saved = await within(deps.logger, readProfile(deps.pool, user), BEFORE_ACK_DEADLINE_MS, 'load the profile');
  await deps.client.views.open({
    trigger_id: place.triggerId,
    view: renderProfileModal({ channel: place.channel, responseUrl: place.responseUrl }, saved ?? {}),
  });
  return 'profile:form';
}

const ProfileSubmissionSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1), name: z.string().optional(), team_id: z.string().optional() }),
  team: z.looseObject({ id: z.string().min(1) }).nullish(),
  view: z.looseObject({
    private_metadata: z.string(),
    state: z.looseObject({
      values: z.looseObject(Object.fromEntries(SENDER_FIELD_NAMES.map((field) => [field, inputValueOf()]))),
    }),
  }),
});

/** The profile form was submitted: save it, close the form, and confirm to the person only. */
export async function handleProfileSubmission(
  deps: SlackBotDeps,
  args: { body: unknown; ack: ViewAck },
): Promise<string> {
  const submission = ProfileSubmissionSchema.parse(args.body);
  const identity: UserIdentity = {
    platform: 'slack',
    teamId: submission.team?.id ?? submission.user.team_id ?? '',
    platformUserId: submission.user.id,
    displayName: submission.user.name ?? null,
  };
  const values = Object.fromEntries(SENDER_FIELD_NAMES.map((field) => [field, submission.view.state.values[field]]));
  const saved = await saveProfile(deps.pool, identity, values);
  if (!saved.ok) {
    await args.ack({ response_action: 'errors', errors: saved.errors as Record<string, string> });
    return 'profile:invalid';
  }
  await args.ack();
  const metadata = metadataOf(submission.view.private_metadata);
  await tellViaResponseUrl(
    deps,
    metadata?.responseUrl,
    submission.user.id,
  )(profileSavedText(profileSummary(saved.profile)));
  return 'profile:saved';
}
