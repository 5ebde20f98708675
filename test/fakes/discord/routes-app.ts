/**
 * Application-level routes: gateway discovery, the bot user, the application, its commands
 * (global and per guild, with Discord's validation of names and option order) and guild lookups.
 */
import type { APIApplicationCommand } from 'discord.js';
import type { RouteDeps } from './deps.ts';
import { fail, type RouteContext, type RouteDef, type RouteResult } from './rest.ts';
import { snowflake } from './snowflake.ts';
import { codePoints } from './validate.ts';

/** Registered commands: key `global` or a guild id. */
export type CommandStore = Map<string, APIApplicationCommand[]>;

const ok = (body: unknown): RouteResult => ({ status: 200, body });
// Discord's rule for command and option names (lower case where the script has case).
const NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

/** Gateway, user, application, command and guild routes. */
export function appRoutes(deps: RouteDeps, commands: CommandStore): RouteDef[] {
  const { world } = deps;
  const r = (method: string, pattern: string, handle: RouteDef['handle']): RouteDef => ({
    method,
    pattern,
    auth: true,
    handle,
  });
  const application = (): Record<string, unknown> => ({
    id: world.applicationId,
    name: world.bot.username,
    icon: null,
    description: '',
    bot_public: true,
    bot_require_code_grant: false,
    verify_key: 'f'.repeat(64),
    flags: 0,
    bot: world.bot,
    owner: world.people.ada,
    team: null,
    approximate_guild_count: world.guilds.size,
  });
  const commandRoutes = (base: string, key: (ctx: RouteContext) => string | RouteResult): RouteDef[] => [
    r('GET', base, (ctx) => withKey(key(ctx), (k) => ok(commands.get(k) ?? []))),
    r('PUT', base, (ctx) => withKey(key(ctx), (k) => putCommands(deps, commands, k, ctx.body))),
    r('POST', base, (ctx) => withKey(key(ctx), (k) => postCommand(deps, commands, k, ctx.body))),
    r('DELETE', `${base}/:command`, (ctx) =>
      withKey(key(ctx), (k) => {
        const list = commands.get(k) ?? [];
        const left = list.filter((c) => c.id !== ctx.params.command);
        if (left.length === list.length) return fail(404, 'Unknown application command', 10063);
        commands.set(k, left);
        return { status: 204 };
      }),
    ),
  ];
  const appKey = (ctx: RouteContext, k: string): string | RouteResult =>
    ctx.params.application === world.applicationId ? k : fail(403, 'Missing Access', 50001);
  const guildOr404 = (id: string | undefined) => (id ? world.guilds.get(id) : undefined);

  return [
    r('GET', '/gateway/bot', () =>
      ok({
        url: deps.gatewayUrl(),
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
      }),
    ),
    { method: 'GET', pattern: '/gateway', auth: false, handle: () => ok({ url: deps.gatewayUrl() }) },
    r('GET', '/users/@me', () => ok(world.bot)),
    r('GET', '/users/:user', (ctx) => {
      const user = world.users.get(ctx.params.user!);
      return user ? ok(user) : fail(404, 'Unknown User', 10013);
    }),
    r('GET', '/applications/@me', () => ok(application())),
    r('GET', '/oauth2/applications/@me', () => ok(application())),
    ...commandRoutes('/applications/:application/commands', (ctx) => appKey(ctx, 'global')),
    ...commandRoutes('/applications/:application/guilds/:guild/commands', (ctx) =>
      guildOr404(ctx.params.guild) ? appKey(ctx, ctx.params.guild!) : fail(404, 'Unknown Guild', 10004),
    ),
    r('GET', '/guilds/:guild', (ctx) => {
      const guild = guildOr404(ctx.params.guild);
      if (!guild) return fail(404, 'Unknown Guild', 10004);
      return ok({
        id: guild.id,
        name: guild.name,
        icon: null,
        owner_id: guild.ownerId,
        roles: [...guild.roles.values()],
        emojis: [],
        stickers: [],
        features: [],
      });
    }),
    r('GET', '/guilds/:guild/roles', (ctx) => {
      const guild = guildOr404(ctx.params.guild);
      return guild ? ok([...guild.roles.values()]) : fail(404, 'Unknown Guild', 10004);
    }),
    r('GET', '/guilds/:guild/channels', (ctx) => {
      const guild = guildOr404(ctx.params.guild);
      if (!guild) return fail(404, 'Unknown Guild', 10004);
      return ok([...world.channels.values()].filter((c) => c.guild_id === guild.id && c.type === 0));
    }),
    r('GET', '/guilds/:guild/members/:user', (ctx) => {
      if (!guildOr404(ctx.params.guild)) return fail(404, 'Unknown Guild', 10004);
      const member = world.member(ctx.params.guild!, ctx.params.user!);
      return member ? ok(member) : fail(404, 'Unknown Member', 10007);
    }),
  ];
}

function withKey(key: string | RouteResult, then: (key: string) => RouteResult): RouteResult {
  return typeof key === 'string' ? then(key) : key;
}

interface CommandBody {
  name?: unknown;
  description?: unknown;
  type?: number;
  options?: OptionBody[];
  [key: string]: unknown;
}
interface OptionBody {
  name?: unknown;
  description?: unknown;
  type?: number;
  required?: boolean;
  options?: OptionBody[];
  [key: string]: unknown;
}

/** Discord's checks on a command, as `errors` paths. */
function commandProblems(body: CommandBody, path: string): string[] {
  const problems: string[] = [];
  const checkName = (name: unknown, at: string): void => {
    if (typeof name !== 'string' || !NAME.test(name) || name !== name.toLowerCase())
      problems.push(`${at}.name: APPLICATION_COMMAND_INVALID_NAME`);
  };
  const checkDescription = (d: unknown, at: string): void => {
    const n = typeof d === 'string' ? codePoints(d) : 0;
    if (n < 1 || n > 100) problems.push(`${at}.description: BASE_TYPE_BAD_LENGTH (1-100)`);
  };
  const checkOptions = (options: OptionBody[] | undefined, at: string): void => {
    if (!options) return;
    if (options.length > 25) problems.push(`${at}.options: BASE_TYPE_MAX_LENGTH`);
    let optionalSeen = false;
    options.forEach((o, i) => {
      const here = `${at}.options.${i}`;
      checkName(o.name, here);
      checkDescription(o.description, here);
      if (o.required && optionalSeen)
        problems.push(`${here}: APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID (required options must come first)`);
      if (!o.required) optionalSeen = true;
      // Autocomplete is for string, integer and number options, and never with fixed choices.
      if (o.autocomplete === true && (Array.isArray(o.choices) || ![3, 4, 10].includes(o.type ?? 0)))
        problems.push(`${here}.autocomplete: APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_INVALID`);
      checkOptions(o.options, here);
    });
  };
  checkName(body.name, path);
  if ((body.type ?? 1) === 1) checkDescription(body.description, path);
  checkOptions(body.options, path);
  return problems;
}

function toCommand(
  deps: RouteDeps,
  key: string,
  body: CommandBody,
  existing?: APIApplicationCommand,
): APIApplicationCommand {
  return {
    id: existing?.id ?? snowflake(),
    application_id: deps.world.applicationId,
    version: snowflake(),
    type: body.type ?? 1,
    name: body.name as string,
    description: (body.description as string | undefined) ?? '',
    options: body.options as APIApplicationCommand['options'],
    default_member_permissions: (body.default_member_permissions as string | null | undefined) ?? null,
    nsfw: (body.nsfw as boolean | undefined) ?? false,
    integration_types: (body.integration_types as APIApplicationCommand['integration_types']) ?? [0],
    contexts: (body.contexts as APIApplicationCommand['contexts']) ?? null,
    ...(key === 'global' ? {} : { guild_id: key }),
  } as APIApplicationCommand;
}

function invalidCommands(problems: string[]): RouteResult {
  return fail(400, 'Invalid Form Body', 50035, {
    errors: { _errors: problems.map((message) => ({ code: 'INVALID', message })) },
  });
}

function putCommands(deps: RouteDeps, commands: CommandStore, key: string, body: unknown): RouteResult {
  if (!Array.isArray(body)) return fail(400, 'Invalid Form Body', 50035);
  const list = body as CommandBody[];
  const problems = list.flatMap((c, i) => commandProblems(c, String(i)));
  if (problems.length) return invalidCommands(problems);
  const before = commands.get(key) ?? [];
  const next = list.map((c) =>
    toCommand(
      deps,
      key,
      c,
      before.find((b) => b.name === c.name && b.type === (c.type ?? 1)),
    ),
  );
  commands.set(key, next);
  return ok(next);
}

function postCommand(deps: RouteDeps, commands: CommandStore, key: string, body: unknown): RouteResult {
  const c = (body ?? {}) as CommandBody;
  const problems = commandProblems(c, 'body');
  if (problems.length) return invalidCommands(problems);
  const list = commands.get(key) ?? [];
  const existing = list.find((b) => b.name === c.name && b.type === (c.type ?? 1));
  const command = toCommand(deps, key, c, existing);
  commands.set(key, [...list.filter((b) => b !== existing), command]);
  return { status: existing ? 200 : 201, body: command };
}
