/**
 * The fake Slack for tests: `startFakeSlack()` (server.ts) and the types tests use.
 * See server.ts for an example and driver.ts for acting as people do.
 */
export { FakeSlack, startFakeSlack, type FakeSlackOptions, type SeenMessage } from './server.ts';
export {
  SlackDriver,
  HttpTransport,
  fetchTimed,
  type TimedPost,
  SocketTransport,
  slackSignature,
  type Delivery,
  type DeliverOptions,
  type DeliveryKind,
} from './driver.ts';
export type { RecordedCall, ResponseUrlPost, SlackFault } from './http.ts';
export type { ClickInput, CommandInput, ReactInput, SubmitInput } from './payloads.ts';
export type { SocketAck } from './socket.ts';
export { DEFAULT_SCOPES, type EphemeralMessage, type FakeChannel, type FakeUser, type StoredView } from './state.ts';
export { visibleText } from './format.ts';
