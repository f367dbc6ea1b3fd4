import { readFileSync, writeFileSync } from 'node:fs';
import { printSubgraphSchema } from '@apollo/subgraph';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema, subgraphSchema } from '../src/schema/index.js';

/**
 * Writes schema.graphql (the plain API, for clients, codegen and Relay) and subgraph.graphql
 * (the Federation v2 subgraph SDL, for composition), or with --check fails when either is stale.
 */
const outputs = [
  { file: 'schema.graphql', text: `${printSchema(lexicographicSortSchema(schema))}\n` },
  { file: 'subgraph.graphql', text: `${printSubgraphSchema(lexicographicSortSchema(subgraphSchema()))}\n` },
];
const check = process.argv.includes('--check');
let stale = false;
for (const { file, text } of outputs) {
  const path = new URL(`../${file}`, import.meta.url);
  if (!check) {
    writeFileSync(path, text);
    console.log(`wrote ${file}`);
    continue;
  }
  let committed = '';
  try {
    committed = readFileSync(path, 'utf8');
  } catch {
    committed = '';
  }
  if (committed !== text) {
    console.error(`${file} is stale: run \`npm run schema\` and commit the result.`);
    stale = true;
  }
}
if (check && !stale) console.log('schema.graphql and subgraph.graphql are current.');
if (stale) process.exit(1);
