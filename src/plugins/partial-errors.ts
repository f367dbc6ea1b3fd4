import { type ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../context.js';
import { normalizeError } from '../schema/errors.js';

type Path = readonly (string | number)[];

/** A value a payload delivers and where it goes in the response. */
interface Delivery {
  readonly path: Path;
  readonly value: unknown;
}

/** An increment of an incremental result: a deferred fragment's data or a stream's items. */
interface Increment {
  readonly data?: unknown;
  // envelop types a stream's items as its data's type; they are the list's next items.
  readonly items?: unknown;
  readonly path?: Path;
  readonly errors?: readonly unknown[];
}

/**
 * Appends the errors of fields that answered partially (see `reportPartialFailure`). In an
 * incremental result (@defer, @stream) each goes with the payload that delivers its field, and
 * increments' own errors are masked here: Yoga masks only a payload's top-level `errors`.
 */
export function usePartialErrors(mask: (error: unknown) => Error): Plugin<GraphQLContext> {
  return {
    onExecute: ({ args }) => ({
      onExecuteDone: ({ result, setResult }) => {
        const context = args.contextValue;
        if (Symbol.asyncIterator in result) {
          const sent = new Set<GraphQLError>();
          return {
            onNext: (payload) => {
              const changed = withIncrementalErrors(payload.result, context.partialErrors, sent, mask);
              if (changed) payload.setResult(changed);
            },
          };
        }
        const changed = withPartialErrors(result, context);
        if (changed) setResult(changed);
        return undefined;
      },
    }),
  };
}

/** A result with the context's partial errors appended, or null when there is nothing to change. */
function withPartialErrors(result: ExecutionResult, context: GraphQLContext): ExecutionResult | null {
  // graphql-jit's errors are not graphql-js GraphQLErrors: Yoga would take them for crashes.
  const errors = [...(result.errors ?? []).map(normalizeError), ...context.partialErrors];
  return errors.length > 0 ? { ...result, errors } : null;
}

/**
 * One payload of an incremental result with its increments' errors masked and the partial
 * errors it delivers the fields of (on the last payload, any left) added; null when unchanged.
 */
function withIncrementalErrors<P extends ExecutionResult & { incremental?: readonly Increment[]; hasNext?: boolean }>(
  payload: P,
  reported: readonly GraphQLError[],
  sent: Set<GraphQLError>,
  mask: (error: unknown) => Error,
): P | null {
  const increments = payload.incremental ?? [];
  const pending = reported.filter((error) => !sent.has(error));
  if (pending.length === 0 && !increments.some((increment) => increment.errors?.length)) return null;
  const initial = 'data' in payload;
  const top: GraphQLError[] = [];
  const added = increments.map((): GraphQLError[] => []);
  for (const error of pending) {
    const path = error.path ?? [];
    let target = initial && holds({ path: [], value: payload.data }, path) ? top : null;
    for (let i = 0; target === null && i < increments.length; i += 1) {
      const increment = increments[i];
      if (increment && deliveries(increment).some((delivery) => holds(delivery, path))) target = added[i] ?? null;
    }
    // A field whose payload went before the error was reported (or never goes): the last payload says so.
    if (target === null && payload.hasNext === false) target = added.at(-1) ?? top;
    if (target === null) continue;
    target.push(error);
    sent.add(error);
  }
  const incremental = increments.map((increment, i) => {
    const extra = added[i] ?? [];
    if (!increment.errors?.length && extra.length === 0) return increment;
    return { ...increment, errors: [...(increment.errors ?? []).map((error) => clientError(error, mask)), ...extra] };
  });
  const errors = [...(payload.errors ?? []), ...top];
  return {
    ...payload,
    ...(errors.length > 0 ? { errors } : {}),
    ...(increments.length > 0 ? { incremental } : {}),
  };
}

/** Where an increment's values go: a deferred fragment's data at its path, or each streamed item at its index. */
function deliveries(increment: Increment): Delivery[] {
  const path = increment.path ?? [];
  const items = increment.items;
  if (!Array.isArray(items)) return [{ path, value: increment.data }];
  const list = path.slice(0, -1);
  const start = path.at(-1);
  if (typeof start !== 'number') return [];
  return items.map((value: unknown, i) => ({ path: [...list, start + i], value }));
}

/** Whether a delivery carries the field at `path`, or the null an error left in place of its parent. */
function holds(delivery: Delivery, path: Path): boolean {
  if (path.length < delivery.path.length || delivery.path.some((key, i) => path[i] !== key)) return false;
  let value = delivery.value;
  for (const key of path.slice(delivery.path.length)) {
    if (value === null) return true;
    if (typeof value !== 'object' || !(key in value)) return false;
    value = Reflect.get(value, key);
  }
  return true;
}

/** An increment's error as Yoga would serve a top-level one: masked, without its internal extensions. */
function clientError(error: unknown, mask: (error: unknown) => Error): GraphQLError {
  const masked = mask(error);
  if (!(masked instanceof GraphQLError)) return new GraphQLError(masked.message);
  const { http: _http, unexpected: _unexpected, ...extensions } = masked.extensions;
  return new GraphQLError(masked.message, {
    nodes: masked.nodes,
    source: masked.source,
    positions: masked.positions,
    path: masked.path,
    extensions,
  });
}
