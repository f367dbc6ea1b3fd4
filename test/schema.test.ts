import { readFileSync } from 'node:fs';
import { printSubgraphSchema } from '@apollo/subgraph';
import { graphql, lexicographicSortSchema, printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { schema, subgraphSchema } from '../src/schema/index.js';

describe('schema', () => {
  it('matches the committed schema.graphql (run `npm run schema` after a schema change)', () => {
    const committed = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(`${printSchema(lexicographicSortSchema(schema))}\n`).toBe(committed);
  });

  it('matches the committed subgraph.graphql, and only the subgraph has _service/_entities', () => {
    const committed = readFileSync(new URL('../subgraph.graphql', import.meta.url), 'utf8');
    expect(`${printSubgraphSchema(lexicographicSortSchema(subgraphSchema()))}\n`).toBe(committed);
    expect(Object.keys(subgraphSchema().getQueryType()?.getFields() ?? {})).toEqual(
      expect.arrayContaining(['_service', '_entities']),
    );
    expect(Object.keys(schema.getQueryType()?.getFields() ?? {})).not.toContain('_service');
  });

  it('reads the fields of a list page as properties: no resolver per item', () => {
    // graphql-jit calls a field's resolver with a fresh resolve-info object for every item; a
    // field without one is a property read (execution of (c): 141 -> 125 µs in tmp/exec.tpl).
    const resolved = (typeName: string, fields: string[]) => {
      const type = schema.getType(typeName);
      const all = type && 'getFields' in type ? type.getFields() : {};
      return fields.filter((name) => !all[name] || ('resolve' in all[name] && all[name].resolve !== undefined));
    };
    const shared = ['sourceId', 'title', 'upstreamStatus', 'createdAt', 'updatedAt', 'model', 'tokenUsage'];
    expect(resolved('FactorySession', [...shared, 'computerId', 'messageCount'])).toEqual([]);
    expect(resolved('EverrunsSession', [...shared, 'agentId', 'modelId'])).toEqual([]);
    expect(resolved('TokenUsage', ['inputTokens', 'outputTokens'])).toEqual([]);
  });

  it('describes itself (GraphiQL’s Docs open on it) and deprecates EverrunsSession.usage for tokenUsage', async () => {
    const result = await graphql({
      schema,
      source: `{
        __schema { description }
        __type(name: "EverrunsSession") { fields(includeDeprecated: true) { name deprecationReason } }
      }`,
    });
    expect(result.errors).toBeUndefined();
    const data = z
      .object({
        __schema: z.object({ description: z.string() }),
        __type: z.object({ fields: z.array(z.object({ name: z.string(), deprecationReason: z.string().nullable() })) }),
      })
      .parse(result.data);
    expect(data.__schema.description).toMatch(/^sessiongraph: the agent sessions of .+ Start with `sessions`/);
    const deprecated = data.__type.fields.filter((field) => field.deprecationReason !== null);
    expect(deprecated).toEqual([{ name: 'usage', deprecationReason: expect.stringContaining('`tokenUsage`') }]);
  });

  it('describes every type, field and argument', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
      if (!type.description) missing.push(type.name);
      if ('getFields' in type) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) {
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
