import autocannon from 'autocannon';

/**
 * One load run in its own process: `load.ts <url> <case> <connections> <seconds> <json>` prints
 * autocannon's result as one JSON line. Case `bv` varies `first` over 31..50 per request.
 */
const [url = '', name = '', connections = '1', seconds = '5', template = '{}'] = process.argv.slice(2);
const base = JSON.parse(template) as { query: string; variables?: Record<string, unknown> };
let counter = 0;
const result = await autocannon({
  url,
  connections: Number(connections),
  duration: Number(seconds),
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-bench-case': name },
  requests: [
    {
      setupRequest: (request) => {
        if (name !== 'bv') return { ...request, body: JSON.stringify(base) };
        counter += 1;
        return { ...request, body: JSON.stringify({ ...base, variables: { ...base.variables, first: 31 + (counter % 20) } }) };
      },
    },
  ],
});
process.stdout.write(
  `${JSON.stringify({
    rps: result.requests.average,
    total: result.requests.total,
    p50: result.latency.p50,
    // autocannon's percentiles are whole milliseconds; the mean of its samples is finer.
    mean: result.latency.mean,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  })}\n`,
);
