/**
 * The one dispatcher both hosts use (Electron IPC and browser mode HTTP).
 *
 *   channel name ──► CHANNELS lookup (unknown → UNKNOWN_CHANNEL)
 *                ──► zod request validation (malformed → INVALID_ARGUMENT naming the field)
 *                ──► the service handler
 *                ──► zod response validation (a service bug → INTERNAL, never a silent wrong shape)
 *                ──► CallEnvelope { ok, result } | { ok: false, error: ErrorInfo }
 *
 * A `DrmmError` thrown by a service keeps its code, location and hint; anything else becomes
 * `INTERNAL` with its message (the app is local: the user is the only one reading it).
 */
import type { z } from 'zod';
import { isDrmmError } from '../../core/errors';
import { CHANNELS, type CallEnvelope, type Channel, type ErrorInfo } from './contract';
import { describeZodIssues, isZodError } from './zod-errors';

type Schemas<C extends Channel> = (typeof CHANNELS)[C];
/** The request as a handler receives it: validated, defaults applied. */
export type HandlerRequest<C extends Channel> = z.output<Schemas<C>['request']>;
/** What a handler may return: validated (and stripped of unknown fields) before it leaves the host. */
export type HandlerResponse<C extends Channel> = z.input<Schemas<C>['response']>;

export type ChannelHandler<C extends Channel> = (request: HandlerRequest<C>) => Promise<HandlerResponse<C>> | HandlerResponse<C>;

/** One handler per channel; the type makes a missing channel a compile error. */
export type ApiHandlers = { [C in Channel]: ChannelHandler<C> };

export type Dispatcher = (channel: string, payload: unknown) => Promise<CallEnvelope>;

export const CHANNEL_NAMES = Object.keys(CHANNELS) as Channel[];

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(CHANNELS, name);
}

export { describeZodIssues, isZodError } from './zod-errors';

export function errorInfo(e: unknown): ErrorInfo {
  if (isDrmmError(e)) {
    return { code: e.code, message: e.message, location: { ...e.location }, hint: e.hint };
  }
  const message = isZodError(e) ? `Unexpected data: ${describeZodIssues(e.issues)}.` : e instanceof Error ? e.message : String(e);
  return { code: 'INTERNAL', message, location: {}, hint: 'This is a bug in DRMM Workbench; the details are in the host log.' };
}

export function createDispatcher(handlers: ApiHandlers, opts: { onInternalError?: (channel: string, e: unknown) => void } = {}): Dispatcher {
  for (const name of CHANNEL_NAMES) {
    if (typeof handlers[name] !== 'function') throw new Error(`createDispatcher: no handler for channel '${name}'`);
  }
  return async (channel, payload) => {
    if (!isChannel(channel)) {
      const shown = typeof channel === 'string' ? channel.slice(0, 80) : typeof channel;
      return {
        ok: false,
        error: { code: 'UNKNOWN_CHANNEL', message: `Unknown API channel '${shown}'.`, location: {}, hint: `Known channels: ${CHANNEL_NAMES.join(', ')}.` },
      };
    }
    const schemas = CHANNELS[channel];
    const parsed = schemas.request.safeParse(payload ?? {});
    if (!parsed.success) {
      return {
        ok: false,
        error: {
          code: 'INVALID_ARGUMENT',
          message: `Invalid request for '${channel}': ${describeZodIssues(parsed.error.issues)}.`,
          location: {},
          hint: 'The request does not match the API contract (main/api/contract.ts); fix the named field.',
        },
      };
    }
    let raw: unknown;
    try {
      raw = await (handlers[channel] as (r: unknown) => unknown)(parsed.data);
    } catch (e) {
      if (!isDrmmError(e)) opts.onInternalError?.(channel, e);
      return { ok: false, error: errorInfo(e) };
    }
    const checked = schemas.response.safeParse(raw);
    if (!checked.success) {
      const e = new Error(`The answer to '${channel}' does not match the contract: ${describeZodIssues(checked.error.issues)}.`);
      opts.onInternalError?.(channel, e);
      return { ok: false, error: errorInfo(e) };
    }
    return { ok: true, result: checked.data } as CallEnvelope;
  };
}

/** The body a host sends back: the response itself, or `{ error }` (ApiErrorPayload). */
export function wireBody(env: CallEnvelope): unknown {
  return env.ok ? env.result : { error: env.error };
}

/** HTTP status for an error code (browser mode). */
export function httpStatusFor(code: string): number {
  switch (code) {
    case 'UNKNOWN_CHANNEL':
    case 'NOT_FOUND':
    case 'FILE_NOT_FOUND':
      return 404;
    case 'CONFLICT':
    case 'CANCELLED':
    case 'READ_ONLY':
      return 409;
    case 'INTERNAL':
      return 500;
    case 'BACKEND_UNAVAILABLE':
      return 503;
    case 'DISK_FULL':
      return 507;
    default:
      return 400;
  }
}
