import { everrunsSource } from './everruns/module.js';
import { factorySource } from './factory/module.js';
import type { SourceModule } from './source-module.js';

export type { SourceModule } from './source-module.js';

/** The registered sources; their order is the merged feed's tie-break order. */
const modules: SourceModule[] = [factorySource, everrunsSource];

/** Every registered source, in tie-break order. */
export function allSources(): readonly SourceModule[] {
  return modules;
}

/**
 * Adds a source after the built-in ones. Call it before the schema is built (before
 * src/schema/index.ts is imported): the schema's enums and filters are made from this list.
 */
export function registerSource(module: SourceModule): void {
  if (modules.some((known) => known.name === module.name || known.typename === module.typename)) {
    throw new Error(`a source named ${module.name} (${module.typename}) is already registered`);
  }
  modules.push(module);
}

/** The registered source of that name, or undefined. */
export function sourceNamed(name: string): SourceModule | undefined {
  return modules.find((module) => module.name === name);
}

/** A session record's place in the tie-break order (its source's index). */
export function rankOf(name: string): number {
  const index = modules.findIndex((module) => module.name === name);
  return index < 0 ? modules.length : index;
}
