import { z } from 'zod';

/**
 * Checks an upstream answer against its zod schema without allocating.
 *
 * zod's compiled `validate` (4.6) wraps every optional key in a closure made per call and builds
 * the nested objects of optional fields although nothing reads them: 68 KB of garbage per page
 * of 40 Factory sessions (29 KB for Everruns), more than `JSON.parse` of the page (43 KB). Under
 * load that garbage is what the young-generation collector runs for. This reads the schema's
 * definition once and generates one function of plain checks (property reads by constant name,
 * `return false` on the first failure), as zod's compiler does, minus the closures and outputs:
 * a Factory page 14 -> 3.4 µs and 68 -> 0.6 KB, Everruns 24 -> 17 µs (its RFC 3339 refinement)
 * and 29 -> 2 KB (tmp measurement in the note of issue 8).
 *
 * The schema stays the contract. Only the node kinds and checks handled below are generated,
 * with zod's meaning; any other part makes the whole schema fall back to zod's own `validate`.
 * A value this rejects is parsed by zod again for its issues (src/sources/parse.ts), so a check
 * stricter than zod's would cost time, never data; test/validator.test.ts compares the two on
 * every emulator item and on mutations of each field, both ways, and pins that the gateway's
 * schemas are generated here.
 */
type Validator = (value: unknown) => boolean;

class Unsupported extends Error {}

const cache = new WeakMap<z.ZodType, Validator>();

/**
 * The allocation-free check of `schema` as a type guard, built on first use (zod's own
 * `validate` if a part of the schema is not interpreted here).
 */
export function validatorFor<T>(schema: z.ZodType<T, T>): (value: unknown) => value is T {
  let validator = cache.get(schema);
  if (validator === undefined) {
    try {
      validator = build(schema);
    } catch (error) {
      if (!(error instanceof Unsupported)) throw error;
      validator = (value) => schema.validate(value);
    }
    cache.set(schema, validator);
  }
  const check = validator;
  return (value): value is T => check(value);
}

/** Whether the validator of `schema` is this module's own (a test pins the gateway's schemas). */
export function isInterpreted(schema: z.ZodType): boolean {
  try {
    build(schema);
    return true;
  } catch (error) {
    if (error instanceof Unsupported) return false;
    throw error;
  }
}

/** Code being generated: statements, and the values they refer to (functions the schema holds). */
class Emitter {
  readonly lines: string[] = [];
  readonly constants: unknown[] = [];
  private names = 0;

  variable(): string {
    this.names += 1;
    return `v${this.names}`;
  }

  constant(value: unknown): string {
    this.constants.push(value);
    return `c[${this.constants.length - 1}]`;
  }
}

/**
 * One function of straight-line checks, like zod's own compiled code (property reads by constant
 * name, no calls between nodes) but without its per-key closures and output objects.
 */
function build(schema: z.core.$ZodType): Validator {
  const out = new Emitter();
  emit(out, schema, 'input');
  const body = `${out.lines.join('\n')}\nreturn true;`;
  const factory = new Function('c', 'passes', 'isPlainObject', `return (input) => {\n${body}\n};`);
  const validator: unknown = factory(out.constants, passes, z.core.util.isPlainObject);
  if (typeof validator !== 'function') throw new Unsupported('generated code');
  return (value) => validator(value) === true;
}

function emit(out: Emitter, schema: z.core.$ZodType, v: string): void {
  const def = schema._zod.def;
  // A string format (z.email()), a number format (z.int()) or a coercing schema checks or
  // converts more than its type: zod's to run.
  if ('format' in def || 'coerce' in def || ('check' in def && !(schema instanceof z.core.$ZodCustom))) {
    throw new Unsupported(`a ${def.type} format or coercion`);
  }
  if (schema instanceof z.core.$ZodOptional) {
    if (schema instanceof z.core.$ZodExactOptional) throw new Unsupported('exactOptional');
    out.lines.push(`if (${v} !== undefined) {`);
    emit(out, schema._zod.def.innerType, v);
    out.lines.push('}');
  } else if (schema instanceof z.core.$ZodNullable) {
    out.lines.push(`if (${v} !== null) {`);
    emit(out, schema._zod.def.innerType, v);
    out.lines.push('}');
  } else if (schema instanceof z.core.$ZodString) {
    out.lines.push(`if (typeof ${v} !== "string") return false;`);
  } else if (schema instanceof z.core.$ZodNumber) {
    out.lines.push(`if (typeof ${v} !== "number" || !Number.isFinite(${v})) return false;`);
  } else if (schema instanceof z.core.$ZodBoolean) {
    out.lines.push(`if (typeof ${v} !== "boolean") return false;`);
  } else if (schema instanceof z.core.$ZodUnknown) {
    // Anything passes.
  } else if (schema instanceof z.core.$ZodCustom) {
    out.lines.push(`if (!passes(${out.constant(schema._zod.def.fn)}(${v}))) return false;`);
  } else if (schema instanceof z.core.$ZodArray) {
    const index = out.variable();
    const item = out.variable();
    out.lines.push(`if (!Array.isArray(${v})) return false;`);
    out.lines.push(`for (let ${index} = 0; ${index} < ${v}.length; ${index}++) {`, `const ${item} = ${v}[${index}];`);
    emit(out, schema._zod.def.element, item);
    out.lines.push('}');
  } else if (schema instanceof z.core.$ZodRecord) {
    const keyType = schema._zod.def.keyType;
    if (!(keyType instanceof z.core.$ZodString) || (keyType._zod.def.checks ?? []).length > 0) {
      throw new Unsupported('a record key other than a plain string');
    }
    const key = out.variable();
    const entry = out.variable();
    out.lines.push(`if (!isPlainObject(${v}) || Object.getOwnPropertySymbols(${v}).length > 0) return false;`);
    // zod skips an own `__proto__` key (JSON.parse makes one from the text).
    out.lines.push(`for (const ${key} of Object.getOwnPropertyNames(${v})) {`, `if (${key} === "__proto__") continue;`);
    out.lines.push(`const ${entry} = ${v}[${key}];`);
    emit(out, schema._zod.def.valueType, entry);
    out.lines.push('}');
  } else if (schema instanceof z.core.$ZodObject) {
    emitObject(out, schema, v);
  } else {
    throw new Unsupported(schema._zod.def.type);
  }
  for (const check of schema._zod.def.checks ?? []) emitCheck(out, check, v);
}

function emitObject(out: Emitter, schema: z.core.$ZodObject, v: string): void {
  const def = schema._zod.def;
  // Unknown keys are stripped by default (accepted); a catch-all schema would check them.
  if (def.catchall !== undefined) throw new Unsupported('an object catch-all');
  const shape: Record<string, z.core.$ZodType> = def.shape;
  if (Object.getOwnPropertySymbols(shape).length > 0 || Object.hasOwn(shape, '__proto__')) {
    throw new Unsupported('object keys');
  }
  out.lines.push(`if (typeof ${v} !== "object" || ${v} === null || Array.isArray(${v})) return false;`);
  for (const [key, property] of Object.entries(shape)) {
    // A required key whose schema takes `undefined` would need zod's presence rule: not interpreted.
    if (
      property._zod.optin === undefined &&
      (property instanceof z.core.$ZodUnknown || property instanceof z.core.$ZodCustom)
    ) {
      throw new Unsupported('a required unknown or custom key');
    }
    const value = out.variable();
    out.lines.push(`const ${value} = ${v}[${JSON.stringify(key)}];`);
    emit(out, property, value);
  }
}

function emitCheck(out: Emitter, check: z.core.$ZodCheck, v: string): void {
  if (check instanceof z.core.$ZodCheckMinLength) {
    // zod gives length checks a `when` of its own (run only on a value with a length): the type
    // check before it already says so.
    out.lines.push(`if (${v}.length < ${Number(check._zod.def.minimum)}) return false;`);
    return;
  }
  if (check._zod.def.when !== undefined) throw new Unsupported('a conditional check');
  if (check instanceof z.core.$ZodCheckNumberFormat && check._zod.def.format === 'safeint') {
    out.lines.push(`if (!Number.isSafeInteger(${v})) return false;`);
  } else if (check instanceof z.core.$ZodCheckGreaterThan && typeof check._zod.def.value === 'number') {
    out.lines.push(
      `if (!(${v} ${check._zod.def.inclusive ? '>=' : '>'} ${out.constant(check._zod.def.value)})) return false;`,
    );
  } else if (check instanceof z.core.$ZodCheckLessThan && typeof check._zod.def.value === 'number') {
    out.lines.push(
      `if (!(${v} ${check._zod.def.inclusive ? '<=' : '<'} ${out.constant(check._zod.def.value)})) return false;`,
    );
  } else if (check instanceof z.core.$ZodCustom) {
    out.lines.push(`if (!passes(${out.constant(check._zod.def.fn)}(${v}))) return false;`);
  } else {
    throw new Unsupported(`check ${check._zod.def.check}`);
  }
}

/** A refinement passes when it returns a truthy value; an async one is zod's to reject. */
function passes(result: unknown): boolean {
  return !(result instanceof Promise) && Boolean(result);
}
