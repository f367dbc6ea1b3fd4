import { allSources, type SourceModule } from '../sources/registry.js';
import type { SessionStateName } from '../sources/source-module.js';

/*
 * Schema descriptions that name the sources are made from the registry, so a new source's
 * words and fields appear in the API's documentation without editing the core types.
 */

const code = (word: string) => `\`${word}\``;

/** The sources' labels joined, in registry order: `A and B`. */
export function sourceLabels(joiner: string): string {
  return allSources()
    .map((source) => source.label)
    .join(joiner);
}

/** Each source's upstream field behind a `Session` field: `A \`doneAt\`, B \`done_at\``. */
export function fieldOrigins(field: keyof SourceModule['fieldOrigins']): string {
  return allSources()
    .map((source) => `${source.label} ${code(source.fieldOrigins[field])}`)
    .join(', ');
}

/** The upstream words of a state: `A \`pending\`, B \`started\``, or `\`idle\` on both` when all agree. */
export function stateWords(state: SessionStateName): string {
  const sources = allSources();
  const lists = sources.flatMap((source) => {
    const words = Object.keys(source.states).filter((word) => source.states[word] === state);
    return words.length > 0 ? [{ label: source.label, words: words.map(code).join(', ') }] : [];
  });
  const first = lists[0];
  if (first && lists.length > 1 && lists.length === sources.length && lists.every((l) => l.words === first.words)) {
    return `${first.words} on ${lists.length === 2 ? 'both' : 'all'}`;
  }
  return lists.map((list) => `${list.label} ${list.words}`).join(', ');
}

/** The session types as inline fragments: `\`... on ASession\` or \`... on BSession\``. */
export function sessionTypeFragments(): string {
  return allSources()
    .map((source) => code(`... on ${source.typename}`))
    .join(' or ');
}

/** The source-specific filter fields and their sources: `computerId: A, agentId: B`. */
export function filterFieldOwners(): string {
  return allSources()
    .flatMap((source) => (source.feed.filterField ? [`${source.feed.filterField.name}: ${source.label}`] : []))
    .join(', ');
}

/** Which sources count their whole list, and which do not. */
export function countingSources(): { readonly counted: string; readonly uncounted: string } {
  const counted = allSources().filter((source) => source.feed.countsTotal);
  const uncounted = allSources().filter((source) => !source.feed.countsTotal);
  const names = (list: readonly SourceModule[], joiner: string) => list.map((source) => source.label).join(joiner);
  return {
    counted: names(counted, ' or '),
    uncounted: `${names(uncounted, ' and ')} ${uncounted.length === 1 ? 'has' : 'have'} no count`,
  };
}

/** The registry names as code: `\`A\` or \`B\``. */
export function sourceNames(): string {
  return allSources()
    .map((source) => code(source.name))
    .join(' or ');
}

/** A noun (a type name, say) after its indefinite article: `a Session`, `an Event`. */
export function withArticle(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}
